"""What an emailed report is about, read as a city clerk would read it.

Two questions, answered from the words alone: which language the resident wrote in
(``written_language``), and which of the city's service types the report is about
(``type_guess``). Neither is ever sure, so both say so: an unknown language is "", and a
type that does not clearly stand out is no type (the report then waits for staff, in the
triage queue, instead of being sent to a department with a promise).

Words that name a place are not evidence of a problem: "calle Main" is not a water main,
and "300 Main St" is not one either. They are set aside before the type is guessed.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

from civicdesk.cases import event_words
from civicdesk.core.languages import WORD, fold
from civicdesk.core.languages import written_language as written_language  # the intake's own name for it
from civicdesk.intake.parsing import find_addresses

if TYPE_CHECKING:
    from civicdesk.catalog.models import ServiceType
    from civicdesk.tenants.models import City


# Folding words and telling a text's language are the product's, not only the intake's: the
# pages and emails mark a note's language with the same guess (core/languages.py).
_WORD = WORD


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- words that are a place -------------------------------------------------------------------

# How people write a street's type after its name. Only the common ones: USPS's full list has
# "Light", "Park" and "Trail", which are also what residents report.
_STREET_ABBREVIATIONS = _word_set(
    "st ave av rd dr ln blvd ct pkwy hwy cir ter terr pl trl"
)  # lower case is still a street: "300 main st", "noland rd"
_STREET_WORDS = _word_set("street avenue road drive lane boulevard court parkway highway terrace circle")
_DIRECTIONS = _word_set("n s e w ne nw se sw north south east west")
# Spanish puts the type first: "la calle Main", "avenida Noland".
_SPANISH_STREETS = _word_set("calle avenida avda camino carretera bulevar callejon")
# Words no street name is made of, in either language.
_FUNCTION_WORDS = _word_set(
    "a an and the of on in at to for from by or not with my our your is are was be it this that there here near "
    "has have been by de del la las el los en y o un una por para con al su mi que se no frente cerca entre esquina "
    "hay esta"
)


@dataclass(frozen=True)
class _Token:
    word: str  # folded
    original: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(fold(m.group(0)), m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Whether two neighbouring words can be one street: nothing but spaces (or the full
    stop of an abbreviation, "S. Noland", "St.") between them, on one line."""
    gap = text[left.end : right.start]
    if "\n" in gap:
        return False
    return gap.strip() in ("", ".") and not (gap.strip() == "." and len(left.original) > 3)


def _capitalised(token: _Token) -> bool:
    return token.original[:1].isupper() or token.original[:1].isdigit()


def _title_case(tokens: list[_Token]) -> bool:
    """A line written In Title Case ("Big Pothole On Main Street"): its capitals say nothing."""
    words = [t for t in tokens if len(t.original) > 3 and t.original[:1].isalpha()]
    return len(words) >= 2 and sum(t.original[:1].isupper() for t in words) * 2 > len(words)


def _street_names(text: str) -> set[int]:
    """The positions (in ``_tokens(text)``) of the words that name a street: a name before
    a street type ("Main St", "Noland Road"), or after a Spanish one ("calle Main")."""
    tokens = _tokens(text)
    dropped: set[int] = set()
    lines: dict[int, bool] = {}
    for n, token in enumerate(tokens):
        line_start = text.rfind("\n", 0, token.start) + 1
        if line_start not in lines:
            line_end = text.find("\n", token.start)
            lines[line_start] = _title_case(_tokens(text[line_start : line_end if line_end >= 0 else len(text)]))
        title_case = lines[line_start]
        if token.word in _STREET_ABBREVIATIONS or token.word in _STREET_WORDS:
            # Walk back over the name: one or two words (one in a Title Case line), a
            # directional and a house number.
            name: list[int] = []
            at = n - 1
            while at >= 0 and _joined(text, tokens[at], tokens[at + 1]):
                candidate = tokens[at]
                if candidate.word in _FUNCTION_WORDS and candidate.word not in _DIRECTIONS:
                    break
                if candidate.word.isdigit() or candidate.word in _DIRECTIONS:
                    name.append(at)
                    at -= 1
                    continue
                lower_ok = token.word in _STREET_ABBREVIATIONS and not name
                if len([i for i in name if not tokens[i].word.isdigit()]) >= (1 if title_case else 2):
                    break
                if not (_capitalised(candidate) or lower_ok):
                    break
                name.append(at)
                at -= 1
            if any(not tokens[i].word.isdigit() and tokens[i].word not in _DIRECTIONS for i in name) or any(
                tokens[i].word.isdigit() for i in name
            ):
                dropped.update(name)
                dropped.add(n)
        elif token.word in _SPANISH_STREETS:
            at = n + 1
            if at < len(tokens) and tokens[at].word in ("de", "del") and _joined(text, token, tokens[at]):
                at += 1
            taken: list[int] = []
            while at < len(tokens) and len(taken) < 2 and _joined(text, tokens[at - 1], tokens[at]):
                candidate = tokens[at]
                if candidate.word in _FUNCTION_WORDS:
                    break
                if taken and not (_capitalised(candidate) or candidate.word in _STREET_ABBREVIATIONS):
                    break
                taken.append(at)
                at += 1
            if taken:
                dropped.add(n)
                dropped.update(range(n + 1, taken[-1] + 1))
                if at < len(tokens) and tokens[at].word in _STREET_ABBREVIATIONS | _STREET_WORDS:
                    dropped.add(at)
    return dropped


def _as_written(address: str) -> re.Pattern[str]:
    """An address found in a text, as the text may write it: any spacing, any case, and a
    Spanish "de" after the number ("200 de Main St" is found as "200 Main St")."""
    number, _, rest = address.partition(" ")
    if number.isdigit() and rest:
        pattern = r"\s+".join(re.escape(w) for w in rest.split())
        return re.compile(rf"\b{number}\s+(?:(?:de\s+la|del|de)\s+)?{pattern}", re.IGNORECASE)
    return re.compile(r"\s+".join(re.escape(w) for w in address.split()), re.IGNORECASE)


def evidence_words(text: str) -> list[str]:
    """The text's words (folded) with the places set aside: addresses the intake reads
    (``1234 S Noland Rd``, an ``Address:`` line), streets named with their type ("Main St",
    "calle Main"). A set-aside stretch leaves an empty word, so a phrase never spans it."""
    spans = [m.span() for address in find_addresses(text) for m in _as_written(address).finditer(text)]
    for start, end in spans:  # a line break in its place: no phrase runs across an address
        text = text[:start] + "\n" + " " * (end - start - 1) + text[end:]
    dropped = _street_names(text)
    words: list[str] = []
    previous_end = 0
    for n, token in enumerate(_tokens(text)):
        if n in dropped:
            if words and words[-1]:
                words.append("")
            continue
        if re.search(r"[\n.,;:!?()]", text[previous_end : token.start]) and words and words[-1]:
            words.append("")  # a phrase does not run across sentences either
        words.append(token.word)
        previous_end = token.end
    return words


# --- the type ------------------------------------------------------------------------------------

# Words that say nothing about which problem a message is about (and Spanish's small words).
_NOT_EVIDENCE = _word_set(
    "a an and the of on in at to for from by or not with my our your is are was be it this that there here ce "
    "other problem problems issue issues request requests report city general please near without "
    "de del la las el los en y o u un una por para con al su sus mi otro otra problema reporte ciudad cerca sin"
)
# Words of a type's name that say where, or what kind of request, rather than what is wrong:
# "Graffiti on the park shelter" is graffiti, "un bache en mi calle" a pothole, "I have a
# question" nothing yet. They still count, at a quarter of a word, so a name made only of
# them ("Park maintenance" for "the park is a mess") can still be chosen.
_WEAK = _word_set(
    "street road alley park yard house home building property lot area public facility facilities "
    "question concern complaint service services information "
    "calle camino callejon parque patio casa edificio propiedad lote area publica servicio servicios pregunta "
    "preguntas queja informacion"
)
_WEAK_SHARE = 0.25
# Small words a keyword phrase may be said with, or without: "parked on (the) grass".
_ARTICLES = _word_set("a an the my our his her their some el la los las un una mi su sus")


@functools.lru_cache(maxsize=8192)
def _variants(word: str) -> frozenset[str]:
    """A word and its singular: "potholes" is about a pothole, "baches" about a bache."""
    found = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        found.add(word[:-1])
        # "boxes", "arboles"; not "calles", which is "calle" ("call" is another word).
        if (
            word.endswith("es")
            and len(word) > 4
            and re.search(r"(ch|sh|x|z|s|l|r|n|d)$", word[:-2])
            and not re.search(r"(.)\1$", word[:-2])
        ):
            found.add(word[:-2])
    return frozenset(found)


def _same_word(said: str, wanted: str) -> bool:
    return bool(_variants(said) & _variants(wanted))


def _weak(word: str) -> bool:
    return bool(_variants(word) & _WEAK)


def _name_words(name: str) -> tuple[str, ...]:
    words = [fold(w) for w in _WORD.findall(name)]
    return tuple(dict.fromkeys(w for w in words if len(w) >= 3 and w not in _NOT_EVIDENCE))


def _phrases(keywords: str) -> tuple[tuple[str, ...], ...]:
    found = []
    for phrase in re.split(r"[,;]", keywords or ""):
        words = tuple(fold(w) for w in _WORD.findall(phrase))
        if words:
            found.append(words)
    return tuple(dict.fromkeys(found))


@dataclass
class _Terms:
    service_type: ServiceType
    names: list[tuple[str, ...]]  # the English name's words, and the Spanish name's
    phrases: tuple[tuple[str, ...], ...]


@dataclass
class TypeGuess:
    """The type a text is about, if one stands out, and the types it might be about
    (best first, with their scores), for the note that tells staff what was read."""

    service_type: ServiceType | None
    candidates: list[tuple[float, ServiceType]] = field(default_factory=list)

    def note(self) -> str:
        """What staff should know when no type was chosen: the near-misses, or nothing."""
        if self.service_type is not None or not self.candidates:
            return ""
        names = [t.name for _score, t in self.candidates[:3]]
        if len(names) == 1:
            return event_words.stored(event_words.MIGHT_BE, type=names[0])
        # Stored in English, shown in the reader's language (cases/event_words.py).
        types = ", ".join(f"“{name}”" for name in names[:-1])
        return event_words.stored(event_words.COULD_BE, types=types, last=names[-1])


# The evidence a type needs to be chosen: one word that is in no other type's name (or a
# whole name of several words), and a lead of half such a word over the next type.
_ENOUGH = 1.0
_LEAD = 0.5
# A keyword phrase the message says: one word is worth two of a name's words, a phrase of
# several (said in that order: "traffic light", "power lines") three.
_KEYWORD = 2.0
_KEYWORD_PHRASE = 3.0


def _same_phrase(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return len(one) == len(other) and all(_same_word(a, b) for a, b in zip(one, other, strict=True))


def _occurrences(words: list[str], phrase: tuple[str, ...]) -> list[range]:
    """Where the phrase is said, word for word (a plural too, and "the", "my" or "a" may
    stand between its words), never across a sentence or an address (the empty words
    ``evidence_words`` leaves there)."""
    found = []
    for start in range(len(words)):
        at, matched = start, 0
        while matched < len(phrase) and at < len(words) and words[at]:
            if _same_word(words[at], phrase[matched]):
                matched += 1
                at += 1
            elif matched and words[at] in _ARTICLES:
                at += 1  # "parked on the grass" says "parked on grass"
            else:
                break
        if matched == len(phrase):
            found.append(range(start, at))
    return found


def _covered(words: list[str], terms: list[_Terms]) -> dict[int, set[int]]:
    """Which types' keyword phrases take each word position. A longer phrase takes its
    words from a shorter one it contains ("running stop signs" is not a "stop sign"), and a
    word a phrase took is evidence only for the types whose phrase it is: the "light" of a
    "traffic light" is not a street light's."""
    found = [
        (len(phrase), span, n)
        for n, t in enumerate(terms)
        for phrase in t.phrases
        for span in _occurrences(words, phrase)
    ]
    found.sort(key=lambda item: -item[0])
    taken: dict[int, tuple[int, set[int]]] = {}  # position -> (length of the phrase, types)
    for length, span, n in found:
        if any(at in taken and taken[at][0] > length for at in span):
            continue
        for at in span:
            taken.setdefault(at, (length, set()))[1].add(n)
    return {at: types for at, (_length, types) in taken.items()}


def type_guess(city: City, text: str, *, language: str = "") -> TypeGuess:
    """The city's active type the text is about, judged on its words outside any address.

    Each word of a type's name is evidence for it, worth less the more types share it
    ("sign" is in two names, "pothole" in one) and a quarter as much when it says where or
    what kind of request rather than what is wrong ("street", "park", "calle",
    "question"); the whole of a name of several words is worth one more. Each keyword
    phrase (``ServiceType.keywords``, comma-separated, matched as whole words in order) is
    worth two for one word and three for several, shared the same way; the words a phrase
    takes are no evidence for other types. The Spanish name (``name_es``) counts unless the
    text is in English (``language`` "en"). The best type needs a word's worth of evidence
    and a clear lead; otherwise there is no type and staff choose."""
    from civicdesk.catalog.models import ServiceType

    words = evidence_words(text)

    candidates = ServiceType.objects.filter(city=city, active=True).exclude(code=settings.INTAKE_TRIAGE_SERVICE_CODE)
    terms = []
    for service_type in candidates:
        names = [_name_words(service_type.name)]
        if service_type.name_es and language != "en":
            names.append(_name_words(service_type.name_es))
        terms.append(_Terms(service_type, names, _phrases(service_type.keywords)))
    # How many types each word (in one spelling) and phrase belongs to: a shared word tells
    # them apart less.
    types_with: dict[str, set[int]] = {}
    for n, t in enumerate(terms):
        for name in t.names:
            for w in name:
                for variant in _variants(w):
                    types_with.setdefault(variant, set()).add(n)
    word_counts: Counter[str] = Counter()
    for name in (name for t in terms for name in t.names):
        for w in name:
            word_counts[w] = len(set().union(*(types_with[v] for v in _variants(w))))
    phrase_counts: Counter[tuple[str, ...]] = Counter()
    for t in terms:
        for phrase in t.phrases:
            phrase_counts[phrase] = sum(any(_same_phrase(phrase, other) for other in o.phrases) for o in terms)
    covered = _covered(words, terms)

    scores: list[tuple[float, ServiceType]] = []
    for n, t in enumerate(terms):
        # A word counts once for a type: in its keyword phrase, or else as a word of its name
        # (the whole name is still the whole name).
        said: set[str] = set()
        free: set[str] = set()
        for at, word in enumerate(words):
            if word and len(word) >= 3 and word not in _NOT_EVIDENCE and n in covered.get(at, {n}):
                said |= _variants(word)
                if at not in covered:
                    free |= _variants(word)
        score = max((_score_words(name, said, free, word_counts) for name in t.names), default=0.0)
        for phrase in t.phrases:
            spans = [s for s in _occurrences(words, phrase) if all(n in covered.get(at, set()) for at in s)]
            if spans:
                worth = _KEYWORD_PHRASE if len(phrase) > 1 else _KEYWORD
                score += worth / phrase_counts[phrase]
        if score > 0:
            scores.append((round(score, 3), t.service_type))
    scores.sort(key=lambda pair: (-pair[0], pair[1].sort_order, pair[1].name))
    if not scores:
        return TypeGuess(None)
    best, runner_up = scores[0][0], scores[1][0] if len(scores) > 1 else 0.0
    if best < _ENOUGH or best - runner_up < _LEAD:
        return TypeGuess(None, scores)
    return TypeGuess(scores[0][1], scores)


def _score_words(words: Iterable[str], said: set[str], free: set[str], counts: Counter[str]) -> float:
    """A name's worth: its words said outside the type's keyword phrases (``free``), and one
    more when every word of a name of several is said (``said``)."""
    words = tuple(words)
    hit = [w for w in words if _variants(w) & said]
    score = sum((_WEAK_SHARE if _weak(w) else 1.0) / counts[w] for w in hit if _variants(w) & free)
    if len(words) > 1 and len(hit) == len(words):
        score += 1  # the whole name, not just one of its words
    return score
