"""US addresses in one standard form, so that the ways people write one address compare equal.

"1234 S Noland Rd", "1234 South Noland Road" and "1234 s. noland" all become number 1234,
directional S, street NOLAND, type RD (the last one without a type, which a search then
treats as "any type"). The parsing is usaddress's (a conditional random field trained on
US addresses); this module only maps its labels onto our fields, puts each part in USPS
Publication 28 form (civicdesk/places/usps.py) and repairs the few labels it gets wrong on
the short, partial text a search box receives.

Keys, all upper case ASCII:

- ``street_key``  "NOLAND RD": the name and type, without directionals; the grouping of
  one street for interpolation is (pre-directional, street_key, post-directional);
- ``search_key``  "1234 NOLAND RD": what a search as people type is a prefix of. Directionals
  are left out on purpose: people often do not type them, and they rank the candidates instead;
- ``address_key`` "1234 S NOLAND RD #5": one address, its identity in a city.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import usaddress

from civicdesk.places.usps import DIRECTIONAL, SUFFIX, UNIT


class Kind(enum.StrEnum):
    ADDRESS = "address"  # a number on a street
    STREET = "street"  # a street without a number
    INTERSECTION = "intersection"  # two streets
    EMPTY = "empty"


_GLUED_ZIP = re.compile(r"([A-Za-z])(\d{5}(?:-\d{4})?)\b")  # "Mulberry St64101", as KC's export writes it
_SLASH_BETWEEN_WORDS = re.compile(r"(?<!\d)\s*/\s*|\s*/\s*(?!\d)")  # "Noland/23rd"; "1/2" stays
_NOT_KEY = re.compile(r"[^A-Z0-9/ ]+")
_NUMBER = re.compile(r"^(\d+)\s*-?\s*([A-Z]|1/2)?$")
_ONLY_NUMBER = re.compile(r"^\s*(\d+)([A-Za-z])?\s*$")
_NUMBER_AND_DIRECTION = re.compile(r"^\s*(\d+)\s+([A-Za-z.]+)\s*$")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_ZIP_ALONE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_LEADING_NUMBER = re.compile(r"^\s*(\d+[A-Za-z]?)\s+(?=[A-Za-z])")
# A number usaddress always reads as a house number before a street's name ("1234 Elm"; not
# "1 Elm", which it reads as a unit, nor "12345 Elm", which it reads as a ZIP code).
_STAND_IN_NUMBER = "1234"


def clean(text: str) -> str:
    """Upper case, apostrophes dropped, other punctuation a space, spaces collapsed."""
    text = text.upper().replace("'", "").replace("’", "")
    return " ".join(_NOT_KEY.sub(" ", text).split())


def ordinal(token: str) -> str:
    """'23' -> '23RD': a numbered street is written both ways."""
    if not token.isdigit():
        return token
    n = int(token)
    suffix = "TH" if 10 <= n % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")
    return f"{n}{suffix}"


def directional(text: str) -> str:
    return DIRECTIONAL.get(clean(text), "")


@dataclass(frozen=True)
class Street:
    pre_directional: str = ""
    name: str = ""
    street_type: str = ""
    post_directional: str = ""

    # Cached: parse_street hands out one Street per distinct street text, so a county's load
    # computes each key a few thousand times, not 300,000.
    @functools.cached_property
    def key(self) -> str:
        return " ".join(p for p in (self.name, self.street_type) if p)

    @functools.cached_property
    def full(self) -> str:
        return " ".join(p for p in (self.pre_directional, self.name, self.street_type, self.post_directional) if p)

    @property
    def label(self) -> str:
        """How people read it: "S Noland Rd", "NE 23rd St"."""
        words = []
        for part, upper in (
            (self.pre_directional, True),
            (self.name, False),
            (self.street_type, False),
            (self.post_directional, True),
        ):
            if part:
                words.append(part if upper else _title(part))
        return " ".join(words)

    def __bool__(self) -> bool:
        return bool(self.name or self.street_type)


def _title(text: str) -> str:
    # "23RD" -> "23rd", "MCGEE" -> "Mcgee": str.title() would make "23Rd".
    return " ".join(w[:1] + w[1:].lower() for w in text.split())


def street_from_parts(
    *, pre_directional: str = "", name: str = "", street_type: str = "", post_directional: str = ""
) -> Street:
    """A street from the separate columns an export has (no parsing needed, so it is fast)."""
    kind = clean(street_type)
    return _repair(
        Street(
            pre_directional=directional(pre_directional),
            name=clean(name),
            street_type=SUFFIX.get(kind, kind),
            post_directional=directional(post_directional),
        )
    )


def _repair(street: Street) -> Street:
    """Put right what the parser left in the name: a leading directional or a trailing type."""
    tokens = street.name.split()
    pre, kind, post = street.pre_directional, street.street_type, street.post_directional
    if not pre and len(tokens) > 1 and tokens[0] in DIRECTIONAL and len(tokens[0]) > 2:
        pre = DIRECTIONAL[tokens.pop(0)]
    if not pre and len(tokens) > 1 and tokens[0] in ("N", "S", "E", "W", "NE", "NW", "SE", "SW"):
        pre = tokens.pop(0)
    if not kind and len(tokens) > 1 and tokens[-1] in SUFFIX:
        kind = SUFFIX[tokens.pop()]
    if len(tokens) == 1:
        tokens = [ordinal(tokens[0])]  # "E 23 St"; but not "State Route 291"
    return Street(pre, " ".join(tokens), kind, post)


@dataclass(frozen=True)
class ParsedAddress:
    kind: Kind
    number: int | None = None
    number_suffix: str = ""
    street: Street = field(default_factory=Street)
    unit: str = ""
    place: str = ""
    zip_code: str = ""
    cross_street: Street | None = None

    @property
    def search_key(self) -> str:
        if self.number is None:
            return self.street.key
        return " ".join(p for p in (str(self.number), self.street.key) if p)

    @property
    def address_key(self) -> str:
        return address_key(number=self.number, number_suffix=self.number_suffix, street=self.street, unit=self.unit)

    @property
    def label(self) -> str:
        if self.kind is Kind.INTERSECTION and self.cross_street is not None:
            return f"{self.street.label} & {self.cross_street.label}"
        head = house_number(self.number, self.number_suffix)
        return " ".join(p for p in (head, self.street.label, self.unit) if p)


def house_number(number: int | None, suffix: str) -> str:
    if number is None:
        return ""
    return f"{number} {suffix}" if "/" in suffix else f"{number}{suffix}"


def address_key(*, number: int | None, number_suffix: str, street: Street, unit: str) -> str:
    head = house_number(number, number_suffix)
    return " ".join(p for p in (head, street.full, unit) if p)


def unit_id(unit: str) -> str:
    """The identifier of a unit, without its designator: "APT 5", "#5", "Unit 5" -> "5"."""
    tokens = clean(unit).split()
    while tokens and (tokens[0] in UNIT or tokens[0] == "#"):
        tokens.pop(0)
    return "".join(tokens).lstrip("#")


def normal_unit(kind: str, identifier: str) -> str:
    ident = clean(identifier).replace(" ", "").lstrip("#")
    if not ident:
        return ""
    designator = UNIT.get(clean(kind), "#") if kind.strip() not in ("", "#") else "#"
    return f"#{ident}" if designator == "#" else f"{designator} {ident}"


def unit_from_text(text: str) -> str:
    """A unit column's text in standard form: "Apartment 5" -> "APT 5", "5" -> "#5"."""
    if not text or text.isspace():
        return ""
    tokens = clean(text).split()
    if len(tokens) > 1 and tokens[0] in UNIT:
        return normal_unit(tokens[0], " ".join(tokens[1:]))
    return normal_unit("", text)


def split_number(text: str) -> tuple[int | None, str]:
    """'1234' -> (1234, ''); '1234A' / '1234-A' -> (1234, 'A'); '1234 1/2' -> (1234, '1/2')."""
    if text.isdigit():  # nearly every row of a county's file: skip the regular expressions
        return int(text), ""
    match = _NUMBER.match(clean(text))
    if not match:
        return None, ""
    return int(match.group(1)), match.group(2) or ""


def _parsed(text: str) -> list[tuple[str, str]]:
    """usaddress's tokens and labels, with a leading number always the house number.

    usaddress reads a five-digit number before a word as a ZIP code ("17174 Meadow": ZIP
    17174 in a country named Meadow), but a ZIP is written after the street, the city or the
    state, never before them. The rest is then read behind a number it reads right."""
    tokens = usaddress.parse(text)
    lead = _LEADING_NUMBER.match(text)
    if lead and tokens and tokens[0][1] != "AddressNumber":
        rest = usaddress.parse(f"{_STAND_IN_NUMBER} {text[lead.end() :]}")
        tokens = [(lead.group(1), "AddressNumber"), *rest[1:]]
    return tokens


def _labels(text: str) -> dict[str, str]:
    parts: dict[str, list[str]] = {}
    crossed = False
    for token, label in _parsed(text):
        token = token.strip(",;")
        if not token:
            continue
        if label == "IntersectionSeparator":
            crossed = True
        elif crossed and label.startswith("StreetName"):
            label = "Second" + label  # as usaddress.tag names the second street
        parts.setdefault(label, []).append(token)
    unit = parts.get("OccupancyIdentifier", [])
    if "ZipCode" not in parts and len(unit) > 1 and _ZIP.match(unit[-1]):
        parts["ZipCode"] = [unit.pop()]  # "unit 5 64055": the parser takes the ZIP into the unit
    return {label: " ".join(tokens) for label, tokens in parts.items()}


def _street_of(labels: dict[str, str], prefix: str = "") -> Street:
    name = " ".join(
        labels.get(prefix + label, "") for label in ("StreetNamePreModifier", "StreetNamePreType", "StreetName")
    )
    kind = clean(labels.get(prefix + "StreetNamePostType", ""))
    return _repair(
        Street(
            pre_directional=directional(labels.get(prefix + "StreetNamePreDirectional", "")),
            name=clean(name),
            street_type=SUFFIX.get(kind, kind),
            post_directional=directional(labels.get(prefix + "StreetNamePostDirectional", "")),
        )
    )


@functools.lru_cache(maxsize=65536)
def parse_street(text: str) -> Street:
    """A street written as one text ("S NOLAND RD"), as most exports have it. Cached: a
    county's 300,000 addresses are on a few thousand streets."""
    # A number in front makes the parser read the rest as a street, not a place name.
    return _street_of(_labels(f"1 {_prepare(text)}"))


def _prepare(text: str) -> str:
    text = " ".join(text.replace("\n", ", ").split())
    text = _GLUED_ZIP.sub(r"\1 \2", text)
    return _SLASH_BETWEEN_WORDS.sub(" & ", text)


def parse_address(text: str) -> ParsedAddress:
    """Read one address, street or intersection as written by a person or an export."""
    text = _prepare(text)
    if not text.strip(" ,"):
        return ParsedAddress(Kind.EMPTY)
    zip_alone = _ZIP_ALONE.match(text)
    if zip_alone:
        # "64063": five digits alone are a ZIP code; a house number comes before a street.
        return ParsedAddress(Kind.EMPTY, zip_code=zip_alone.group(1))
    only = _ONLY_NUMBER.match(text)
    if only:
        return ParsedAddress(Kind.ADDRESS, number=int(only.group(1)), number_suffix=(only.group(2) or "").upper())
    heading = _NUMBER_AND_DIRECTION.match(text)
    if heading and directional(heading.group(2)):
        # "1234 S", the street still to be typed
        street = Street(pre_directional=directional(heading.group(2)))
        return ParsedAddress(Kind.ADDRESS, number=int(heading.group(1)), street=street)
    labels = _labels(text)
    street = _street_of(labels)
    place = clean(labels.get("PlaceName", ""))
    if not street.street_type and place:
        # "1600 E 8th St 64106": the parser takes "St" for a place name.
        first, _, rest = place.partition(" ")
        if first in SUFFIX:
            street = Street(street.pre_directional, street.name, SUFFIX[first], street.post_directional)
            place = rest
    zip_match = _ZIP.match(labels.get("ZipCode", "").replace(" ", ""))
    unit = normal_unit(labels.get("OccupancyType", ""), labels.get("OccupancyIdentifier", ""))
    if not unit:
        unit = normal_unit(labels.get("SubaddressType", ""), labels.get("SubaddressIdentifier", ""))
    number, suffix = split_number(labels.get("AddressNumber", ""))
    extra = clean(labels.get("AddressNumberSuffix", ""))
    suffix = suffix or (extra if len(extra) <= 3 else "")
    zip_code = zip_match.group(1) if zip_match else ""
    if "IntersectionSeparator" in labels:
        cross = _street_of(labels, prefix="Second")
        if street and cross:
            return ParsedAddress(
                Kind.INTERSECTION, street=street, cross_street=cross, unit=unit, place=place, zip_code=zip_code
            )
    if number is not None:
        return ParsedAddress(
            Kind.ADDRESS, number=number, number_suffix=suffix, street=street, unit=unit, place=place, zip_code=zip_code
        )
    if street:
        return ParsedAddress(Kind.STREET, street=street, unit=unit, place=place, zip_code=zip_code)
    return ParsedAddress(Kind.EMPTY, unit=unit, place=place, zip_code=zip_code)


# --- what a search box receives ------------------------------------------------------------

_WORDS_ONLY = re.compile(r"^[A-Za-z'’. -]+$")
# After a place's name: the state, then a ZIP ("…, Lee's Summit, MO 64063").
_PLACE_TAIL = r"(?:[\s,]+(?:MO|MO\.|MISSOURI))?(?:[\s,]+(\d{5})(?:-\d{4})?)?[\s,.]*$"


def _name_pattern(name: str) -> str:
    """A regular expression for ``name`` as people write it: any case, an apostrophe or not
    ("Lees Summit", "Lee's Summit", "Lee’s Summit"), any spaces or a full stop between words."""
    words = ["['’]?".join(re.escape(ch) for ch in word) for word in clean(name).split()]
    return r"[\s.]+".join(words)


# Before the street, after the place's name (and its state and ZIP, as after a street): a
# comma, colon or dash, or a house number ("Blue Springs, 150 Main St", "Raytown: 9150 Maple
# Ave", "Grandview 1200 Main St"). A name followed by a street type or a street's word is that
# street's ("Independence Ave", "Grandview Rd", "Raytown Rd").
_PLACE_HEAD = r"(?:[\s,]+(?:MO|MO\.|MISSOURI)(?![A-Za-z]))?(?:[\s,]+(\d{5})(?:-\d{4})?)?"
_BEFORE_STREET = r"(?:\s*[,:\u2013\u2014-]+\s*|\s+(?=\d+[A-Za-z]?(?![A-Za-z0-9])))"


def split_place(text: str, places: Iterable[str]) -> tuple[str, str]:
    """(the text without it, the place) when one of ``places``' names is typed with the
    street: at the end of ``text``, with a state or a ZIP after it, or the beginning of one
    still being typed (``_typed_place``); or at its start, followed by a comma, a colon, a
    dash or a house number ("Blue Springs, 150 Main St", "Lee's Summit 1234 SW 3rd St");
    else (``text``, ""). The ZIP stays in the text, after a comma, where a ZIP is read:
    "1234 S Noland Rd Independence MO 64055" gives ("1234 S Noland Rd, 64055",
    "Independence")."""
    places = sorted(
        (name for name in places if clean(name)), key=len, reverse=True
    )  # "Blue Springs" before a "Springs"
    for name in places:
        match = re.match(rf"\s*{_name_pattern(name)}{_PLACE_HEAD}{_BEFORE_STREET}", text, re.IGNORECASE)
        if match:
            rest = text[match.end() :].rstrip(" ,")
            rest = f"{rest}, {match.group(1)}" if match.group(1) else rest
            # The same city named after the street as well ("Raytown: 9150 Maple Ave, Raytown MO").
            without, again = _place_last(rest, [name])
            return (without if again else rest), name
    return _place_last(text, places)


def _place_last(text: str, places: list[str]) -> tuple[str, str]:
    """``split_place`` for a name typed after the street, or being typed there."""
    for name in places:
        match = re.search(rf"(?:^|(?<=[\s,])){_name_pattern(name)}{_PLACE_TAIL}", text, re.IGNORECASE)
        if match:
            before = text[: match.start()].rstrip(" ,")
            return (f"{before}, {match.group(1)}" if match.group(1) else before), name
    return _typed_place(text, places)


# The letters of a place's name typed before it is taken for that place ("Inde", "Blue Spr").
MIN_PLACE_LETTERS = 4


def _typed_place(text: str, places: list[str]) -> tuple[str, str]:
    """(the text without it, the place) when ``text`` ends with the beginning of exactly one
    of ``places``' names, at least ``MIN_PLACE_LETTERS`` letters of it, still being typed:
    "Main St Blue Spr" is Main St in Blue Springs. So that a street's own last word is not
    taken for a place ("150 Old Grand" is not Old in Grandview), a one-word beginning counts
    only after a street type, a directional or a comma ("Noland Rd Inde", "150 Main, Inde");
    two words or more ("150 Main Blue Spr") always do. Else (``text``, "")."""
    words = text.split()
    names = {clean(name): name for name in places if clean(name)}
    longest = max((len(name.split()) for name in names), default=0)
    for count in range(min(longest, len(words) - 1), 0, -1):
        typed = clean(" ".join(words[-count:]))
        if len(typed.replace(" ", "")) < MIN_PLACE_LETTERS or len(typed.split()) != count:
            continue
        started = [name for key, name in names.items() if key.startswith(typed) and key != typed]
        if len(started) > 1:
            return text, ""  # "Blue S" of a Blue Springs and a Blue Summit: still to be typed
        if not started:
            continue
        before = " ".join(words[:-count])
        last = clean(before.rsplit(None, 1)[-1]) if before.strip(" ,") else ""
        if count > 1 or before.endswith(",") or last in SUFFIX or last in DIRECTIONAL:
            return before.rstrip(" ,"), started[0]
        return text, ""
    return text, ""


def _as_street(text: str, parsed: ParsedAddress) -> ParsedAddress:
    """A word or two alone that the parser took for something else ("Mian" a person's name,
    "Noladn" a country, "Noland Rd 64055" a town) is, in a search box, a street's name."""
    if parsed.street or parsed.number is not None or parsed.kind is Kind.INTERSECTION:
        return parsed
    words = parsed.place or (text.strip() if _WORDS_ONLY.match(text.strip()) else "")
    street = parse_street(words) if words else Street()
    if not street:
        return parsed
    return ParsedAddress(Kind.STREET, street=street, unit=parsed.unit, zip_code=parsed.zip_code)


def parse_search(text: str, *, places: Iterable[str] = ()) -> tuple[ParsedAddress, str]:
    """What a search box's words ask for, and the name of the one of ``places`` (the member
    cities) typed with them, or "".

    As ``parse_address``, and: a place's name typed after the street ("Main St Blue Springs",
    "1234 S Noland Rd, Independence, MO 64055", "Main Lee's Summit") or before it, followed by
    a comma, colon, dash or house number ("Blue Springs, 150 Main St", "Grandview 1200 Main
    St"), is the place, never part of the street's name, so long as a street is left with it
    ("100 Independence" is a number on a street named Independence, "Independence Ave" a
    street); a word or two alone is a street's name ("Mian")."""
    rest, place = split_place(text, places)
    if place:
        parsed = _as_street(rest, parse_address(rest))
        if parsed.street.name:
            return replace(parsed, place=clean(place)), place
    return _as_street(text, parse_address(text)), ""


# --- addresses in free text (an email) -----------------------------------------------------

# Sentences and lines: an address never spans them ("…Rd. It has been there 3 weeks").
# A full stop ends a sentence after a word of three letters or more ("weeks."), not after an
# abbreviation ("e.", "St.").
_CLAUSES = re.compile(r"[\n;!?]+|(?<=[a-z0-9)]{3})\.(?:\s+|$)")
# Words no street name is made of: "2 weeks on our street", "220 NE Main and the sidewalk is".
_NOT_STREET = frozenset(
    [
        "A",
        "AN",
        "AND",
        "THE",
        "ON",
        "OUR",
        "OF",
        "AT",
        "FOR",
        "IN",
        "TO",
        "MY",
        "IS",
        "ARE",
        "WAS",
        "IT",
        "THIS",
        "THAT",
        "FROM",
        "BY",
        "WITH",
        "NEAR",
        "HAS",
        "HAVE",
        "BEEN",
    ]
)
_MAX_STREET_WORDS = 3
_ADDRESS_PARTS = frozenset(
    (
        "AddressNumber",
        "AddressNumberSuffix",
        "StreetNamePreDirectional",
        "StreetNamePreModifier",
        "StreetNamePreType",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
        "OccupancyType",
        "OccupancyIdentifier",
        "SubaddressType",
        "SubaddressIdentifier",
        "PlaceName",
        "StateName",
        "ZipCode",
    )
)
_TAIL_PARTS = frozenset(
    (
        "StreetNamePostDirectional",
        "OccupancyType",
        "OccupancyIdentifier",
        "SubaddressType",
        "SubaddressIdentifier",
        "PlaceName",
        "StateName",
        "ZipCode",
    )
)
_NUMBER_TOKEN = re.compile(r"^\d{1,6}[A-Za-z]?$")


def _is_suffix(token: str) -> bool:
    return clean(token) in SUFFIX


def _address_at(tokens: list[tuple[str, str]], start: int) -> str:
    """The address starting at the house number ``tokens[start]``, or "": a number, a street
    name and a street type that is one (or a directional before a one-word name)."""
    words: list[str] = [tokens[start][0]]
    labels: list[str] = ["AddressNumber"]  # beside ``words``
    pre = False
    street: list[str] = []
    typed_at = None
    for token, label in tokens[start + 1 :]:
        word = token.strip(",.")
        if label not in _ADDRESS_PARTS or not word:
            break
        if typed_at is not None and label not in _TAIL_PARTS:
            break
        words.append(word)
        labels.append(label)
        if label == "StreetNamePreDirectional":
            pre = True
        elif label.startswith("StreetName") and label != "StreetNamePostType" and typed_at is None:
            if clean(word) in _NOT_STREET or len(street) >= _MAX_STREET_WORDS:
                words.pop()
                labels.pop()
                break
            street.append(word)
        elif label == "StreetNamePostType":
            if not _is_suffix(word):
                words.pop()
                labels.pop()
                break
            typed_at = len(words)
        if token.endswith(",") and typed_at is None:
            break
    if not street:
        return ""
    while len(labels) > 1 and labels[-1] == "PlaceName":
        # A place with no state or ZIP after it is as often the next words ("since Monday").
        labels.pop()
        words.pop()
    if typed_at is None:
        # "220 NE Main and the sidewalk…": the number, the directional and one word only.
        return " ".join(words[: 3 if pre else 0])
    return " ".join(words)


def _intersection_at(tokens: list[tuple[str, str]], at: int) -> str:
    """Two streets around the separator ``tokens[at]`` ("Noland Rd and 23rd St"), or ""."""
    first: list[str] = []
    for token, label in reversed(tokens[max(0, at - 4) : at]):
        if not label.startswith("StreetName") and label not in ("StreetNamePreDirectional",):
            break
        first.insert(0, token.strip(","))
    second: list[str] = []
    for token, _label in tokens[at + 1 : at + 5]:
        second.append(token.strip(",."))
        if _is_suffix(second[-1]) and len(second) > 1:
            break
    else:
        return ""
    if not first or not _is_suffix(first[-1]) or len(first) < 2:
        return ""
    return f"{' '.join(first)} & {' '.join(second)}"


def place_after(following: str, places: Iterable[str]) -> str:
    """The one of ``places`` (member cities) whose name the text ``following`` an address
    begins with, after a comma or "in" ("…, Blue Springs", "in Lee's Summit since Monday"),
    or ""."""
    for name in sorted(places, key=len, reverse=True):
        if clean(name) and re.match(rf"[\s,]*(?:(?:in|en)\s+)?{_name_pattern(name)}(?![A-Za-z])", following, re.I):
            return name
    return ""


def place_before(preceding: str, places: Iterable[str]) -> str:
    """The one of ``places`` (member cities) whose name the text ``preceding`` an address
    ends with, as a search box reads a city typed before the street (``split_place``): with
    its state or ZIP, and a comma, colon or dash or nothing before the house number ("Blue
    Springs, 150 Main St", "Raytown: 9150 Maple Ave"); or ""."""
    for name in sorted(places, key=len, reverse=True):
        pattern = rf"(?:^|(?<=[\s,(])){_name_pattern(name)}{_PLACE_HEAD}(?:\s*[,:\u2013\u2014-]+)?\s*$"
        if clean(name) and re.search(pattern, preceding, re.I):
            return name
    return ""


def with_place(address: str, following: str, places: Iterable[str], preceding: str = "") -> str:
    """``address`` with the member city named in the text ``following`` it, if any, after
    a comma ("150 Main St, Blue Springs"), or else named just before it, ahead of it ("Blue
    Springs, 150 Main St"), unless the address names it already."""
    places = list(places)
    place = place_after(following, places)
    if place and not split_place(address, [place])[1]:
        return f"{address}, {place}"
    place = place_before(preceding, places) if preceding else ""
    if place and not split_place(address, [place])[1]:
        return f"{place}, {address}"
    return address


def find_addresses(text: str, *, places: Iterable[str] = ()) -> list[str]:
    """The street addresses (and intersections) written in free text, in order, as written:
    "There is a pothole in front of 1234 S Noland Rd, near the school" gives
    "1234 S Noland Rd". Read with usaddress, one sentence at a time; a number and a word
    are not an address ("3 weeks"): a street type ("Rd") or a directional ("NE Main") is
    needed. The name of one of ``places`` (the member cities) written just after it, or just
    before its number, is kept with it, as a place is read in a search box (``parse_search``):
    "the pothole at 150 Main St, Blue Springs" gives "150 Main St, Blue Springs", "the
    pothole at Blue Springs, 150 Main St" gives "Blue Springs, 150 Main St"."""
    places = list(places)
    found: list[str] = []
    for clause in _CLAUSES.split(text or ""):
        clause = " ".join(clause.split())[:400]
        if not clause or (not any(ch.isdigit() for ch in clause) and "&" not in clause and " and " not in clause):
            continue
        tokens = [(t, label) for t, label in usaddress.parse(_prepare(clause)) if t.strip(",")]
        for n, (token, label) in enumerate(tokens):
            address = ""
            if label == "AddressNumber" and _NUMBER_TOKEN.match(token.strip(",")):
                address = _address_at(tokens, n)
                if address and places:
                    following = " ".join(t for t, _l in tokens[n + len(address.split()) :])
                    address = with_place(address, following, places, " ".join(t for t, _l in tokens[:n]))
            elif label == "IntersectionSeparator":
                address = _intersection_at(tokens, n)
            if address and address not in found:
                found.append(address)
    return found
