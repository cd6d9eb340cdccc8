"""Turn the bytes of an email into what a case needs: who wrote, to whom, what they said
(without the quoted conversation and the signature), where, and the pictures.

Mail in the wild is messy: wrong or unknown charsets, HTML-only bodies, broken headers.
Nothing here raises on a bad message; what cannot be read is left out, and the rest is
kept.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from civicdesk.core.stored_words import stored
from civicdesk.intake import words
from civicdesk.places import normalise

# --- reading headers and bodies -------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    """A header as text; a header the policy cannot parse is read raw, not dropped."""
    try:
        value = msg.get(name)
    except Exception:  # a malformed header must not lose the message
        value = None
        for key, raw in msg.raw_items() if isinstance(msg, EmailMessage) else []:
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    try:
        return str(value).strip()
    except Exception:
        return ""


def _all_headers(msg: Message, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except Exception:
        values = []
    out = []
    for value in values:
        try:
            out.append(str(value).strip())
        except Exception:  # noqa: S112
            continue
    return out


def _addresses(values: list[str]) -> list[str]:
    return [addr.strip() for _name, addr in getaddresses(values) if addr and "@" in addr]


# Charsets that decode any byte, so a wrong label never fails and silently garbles UTF-8.
_SINGLE_BYTE_LATIN = frozenset({"iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252", "cp1252", "us-ascii"})


def _decode_bytes(payload: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset, else UTF-8, else Windows-1252 (which
    accepts any byte): an unknown or wrong charset costs a few odd characters, not the text.

    A message labelled Latin-1 (or ASCII) whose bytes are valid UTF-8 with non-ASCII in them
    is read as UTF-8: mail programs mislabel UTF-8 that way, while real Latin-1 text is
    practically never valid UTF-8 ("cafÃ©" is what the label would give)."""
    if (charset or "").lower() in _SINGLE_BYTE_LATIN and not payload.isascii():
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, ValueError):  # unknown, undecodable, or a name holding NUL
            continue
    return payload.decode("cp1252", errors="replace")


def part_text(part: Message) -> str:
    """The text of a text/* part, whatever its transfer encoding and charset."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return _decode_bytes(payload, part.get_content_charset())
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


class _HtmlToText(HTMLParser):
    """HTML to plain text: block elements become line breaks, scripts and styles vanish,
    and quoted mail (``<blockquote>``, Gmail's and Outlook's quote containers) is marked
    with ``>`` so the same trimming as for plain text removes it."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "section", "pre"}
    )
    SKIP = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip_depth = 0
        self.quote_depth = 0
        # One entry per open div/blockquote: whether it opened a quote.
        self._containers: list[bool] = []

    def _newline(self) -> None:
        if self.lines[-1].strip() or (len(self.lines) > 1 and self.lines[-2].strip()):
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
            return
        if tag in ("div", "blockquote"):
            marks = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
            is_quote = tag == "blockquote" or "gmail_quote" in marks or "divRplyFwdMsg" in marks
            self._containers.append(is_quote)
            self.quote_depth += is_quote
        if tag in self.BLOCKS:
            self._newline()
        if tag == "li":
            self._write("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in ("div", "blockquote") and self._containers:
            self.quote_depth -= self._containers.pop()
        if tag in self.BLOCKS:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.lines.append("")

    def _write(self, text: str) -> None:
        if self.quote_depth and not self.lines[-1]:
            self.lines[-1] = "> "
        self.lines[-1] += text

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and not self.lines[-1]:
            return
        self._write(text)

    def text(self) -> str:
        return "\n".join(line.strip() for line in self.lines)


def html_to_text(html: str) -> str:
    """Readable text of an HTML email body."""
    parser = _HtmlToText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; this is belt and braces
        return re.sub(r"<[^>]+>", " ", html)
    return parser.text()


# --- trimming quoted replies and signatures ------------------------------------------

_WROTE = re.compile(r"(wrote|escribió|a écrit)\s*:\s*$", re.IGNORECASE)
_ON = re.compile(r"^\s*(On|El|Le)\s.+", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Mensaje original)\s*-{2,}", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^\s*\*?(From|De)\s*:\*?\s", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\s*\*?(Sent|Date|Enviado|Fecha|To|Para|Subject|Asunto)\s*:", re.IGNORECASE)
_SIGNOFF = re.compile(
    r"^\s*(Sent from my \w+|Sent from (Yahoo )?Mail|Get Outlook for \w+|Enviado desde mi \w+)", re.IGNORECASE
)


def _is_reply_header(lines: list[str], i: int) -> bool:
    """``On <date>, <person> wrote:`` (possibly wrapped over two lines), an Outlook
    ``-----Original Message-----`` rule, or a ``From: … Sent: …`` header block."""
    line = lines[i]
    if _ORIGINAL.match(line):
        return True
    if _ON.match(line):
        if _WROTE.search(line):
            return True
        if i + 1 < len(lines) and _WROTE.search(lines[i + 1]) and len(lines[i + 1]) < 80:
            return True
    if _HEADER_LINE.match(line):
        following = lines[i + 1 : i + 5]
        return any(_SENT_LINE.match(x) for x in following)
    return False


def trim_reply(text: str) -> str:
    """What the writer wrote themselves: the quoted conversation below a reply header,
    lines quoted with ``>``, the signature below ``-- `` and phone sign-offs go."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _is_reply_header(lines, i):
            # Outlook puts a rule of underscores above its header block.
            while kept and re.fullmatch(r"\s*_{5,}\s*", kept[-1] or ""):
                kept.pop()
            break
        if line.rstrip() in ("--", "-- ") and line.startswith("--"):
            break
        if _SIGNOFF.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    body = "\n".join(kept)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip()


# --- where: coordinates and addresses --------------------------------------------------

_LATLNG = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})(?![\d.])")
_LABELLED = re.compile(r"^\s*(address|location|where|dirección|direccion|ubicación|ubicacion)\s*:\s*(.+)$", re.I | re.M)
_SUFFIXES = (
    "street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|place|pl|way|terrace|ter|"
    "parkway|pkwy|highway|hwy|circle|cir|trail|trl"
)
_STREET = re.compile(
    rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z0-9'.-]+\s+){{0,4}}?(?:{_SUFFIXES})\b",
    re.IGNORECASE,
)


# Before a street's name (a capital or a number), not "3 de los vecinos".
_SPANISH_OF = re.compile(r"\b(\d{1,6})\s+(?:[Dd]e\s+[Ll]a|[Dd]el|[Dd]e)\s+(?=(?:[NSEW]\.?\s+)?[A-Z0-9])")


def find_point(text: str) -> tuple[float, float] | None:
    """A ``lat,lng`` pair in the text (as typed, or inside a map link), if plausible."""
    for match in _LATLNG.finditer(text):
        lat, lng = float(match.group(1)), float(match.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            return lat, lng
    return None


def find_address(text: str) -> str:
    """A line labelled ``Address:`` (or ``Location:``, ``Where:``), else the first thing
    that reads like a street address (``1234 S Main St``)."""
    found = find_addresses(text)
    return found[0] if found else ""


def find_addresses(text: str, *, places: Iterable[str] = ()) -> list[str]:
    """Every address the text gives, best first: a line labelled ``Address:`` (or
    ``Location:``, ``Where:``), then the street addresses and intersections written in its
    sentences, read with usaddress (``places.normalise.find_addresses``, which keeps the
    name of one of ``places``, the member cities, written after an address or just before
    its number), then anything like ``1234 S Main St`` the parser did not take for one."""
    found: list[str] = []
    # Spanish puts "de" between the number and the street: "el 200 de Main St" is 200 Main St.
    text = _SPANISH_OF.sub(r"\1 ", text)
    labelled = _LABELLED.search(text)
    if labelled:
        value = labelled.group(2).strip()
        if value and not find_point(value):
            found.append(value[:300])
    found += [a[:300] for a in normalise.find_addresses(text, places=places) if a[:300] not in found]
    street = _STREET.search(text)
    if street:
        following = text[street.end() : street.end() + 80]
        preceding = text[max(0, street.start() - 80) : street.start()].rsplit("\n", 1)[-1]  # its own line
        written = normalise.with_place(street.group(0).strip(), following, places, preceding)[:300]
        # Not again without the city a reading above kept with it ("150 Main St" of "…, Blue
        # Springs" or of "Blue Springs, …").
        if not any(f == written or f.startswith(written + ",") or f.endswith(", " + written) for f in found):
            found.append(written)
    return found


# --- the message as a whole -------------------------------------------------------------


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedEmail:
    message_id: str
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    recipients: list[str] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    text: str = ""
    full_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why the message is an automatic one (auto-reply, bounce), or ""
    content_language: str = ""  # the Content-Language header's first language ("es-MX"), or ""


def message_key(raw: bytes, message_id: str = "") -> str:
    """The key a message is remembered by: its Message-ID, or a digest of its bytes when it
    has none (so the very same bytes fed twice are still recognised)."""
    message_id = (message_id or "").strip()
    match = re.search(r"<[^<>\s]+>", message_id)
    if match:
        message_id = match.group(0)
    if not message_id or len(message_id) > 300 or "\x00" in message_id:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    return message_id


_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


def _automatic(msg: Message, from_address: str) -> str:
    """Why a message was sent by a machine, or "" for a person's mail. Answering machines
    must never get a case, or an acknowledgement that they would answer in turn. In English,
    the catalog's words (intake/words.py), read in the reader's language in the admin."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return stored(words.AUTO_SUBMITTED, value=auto)
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return stored(words.PRECEDENCE, value=precedence)
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(msg, name) and name != "X-Auto-Response-Suppress":
            return stored(words.HEADER, name=name)
    if _header(msg, "X-Auto-Response-Suppress").lower() in ("all", "oof", "autoreply"):
        # Exchange marks its own out-of-office and delivery reports this way.
        return stored(words.HEADER, name="X-Auto-Response-Suppress")
    if _header(msg, "Return-Path").strip() == "<>":
        return words.EMPTY_RETURN_PATH
    local = from_address.split("@", 1)[0].lower()
    if local in ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply"):
        return stored(words.SENT_BY, address=from_address)
    if msg.get_content_type() == "multipart/report":
        return words.DELIVERY_REPORT
    return ""


def _content_language(msg: Message) -> str:
    """The first language tag of Content-Language ("es-MX, en" gives "es-MX"), or ""."""
    value = _header(msg, "Content-Language")
    if not value and isinstance(msg, EmailMessage):
        try:
            body = msg.get_body(preferencelist=("plain", "html"))
        except Exception:
            body = None
        if body is not None and body is not msg:
            value = _header(body, "Content-Language")  # some programs label the text part only
    tag = value.split(",")[0].strip()
    return tag if re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag) else ""


def _walk_attachments(msg: Message) -> list[Attachment]:
    found = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        maintype = part.get_content_maintype()
        disposition = (part.get_content_disposition() or "").lower()
        try:
            filename = part.get_filename() or ""
        except Exception:
            filename = ""
        # Inline images count (phones put photos inline); text bodies do not.
        if maintype == "text" and disposition != "attachment" and not filename:
            continue
        if maintype == "multipart" or part.get_content_type() == "message/rfc822":
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes):
            continue
        found.append(
            Attachment(filename=filename.replace("\x00", "")[:200], content_type=part.get_content_type(), data=data)
        )
    return found


def _body_text(msg: Message) -> str:
    body: Message | None = None
    if isinstance(msg, EmailMessage):
        try:
            body = msg.get_body(preferencelist=("plain", "html"))
        except Exception:
            body = None
    if body is None:
        # No recognisable body (or a legacy message): the first text part will do.
        for part in msg.walk():
            if part.get_content_maintype() == "text" and (part.get_content_disposition() or "") != "attachment":
                body = part
                break
    if body is None:
        return ""
    text = part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\x00", "")


def parse_email(raw: bytes) -> ParsedEmail:
    """Read a message; never raises for what a sender put in it."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    from_header = _header(msg, "From")
    try:
        from_name, from_address = parseaddr(from_header)
    except Exception:
        from_name, from_address = "", ""
    if "@" not in from_address:
        from_address = ""
    try:
        # An address header can carry a display name with a group or encoded words.
        Address(addr_spec=from_address) if from_address else None
    except Exception:
        from_address = ""
    recipients = _addresses(
        _all_headers(msg, "Delivered-To")
        + _all_headers(msg, "X-Original-To")
        + _all_headers(msg, "To")
        + _all_headers(msg, "Cc")
    )
    reply_ids = _MESSAGE_IDS.findall(" ".join(_all_headers(msg, "In-Reply-To") + _all_headers(msg, "References")))
    full_text = _body_text(msg)
    return ParsedEmail(
        message_id=message_key(raw, _header(msg, "Message-ID")),
        subject=re.sub(r"\s+", " ", _header(msg, "Subject")).replace("\x00", "")[:300],
        from_name=from_name.replace("\x00", "").strip()[:200],
        from_address=from_address.strip(),
        recipients=recipients,
        in_reply_to=reply_ids,
        text=trim_reply(full_text),
        full_text=full_text,
        attachments=_walk_attachments(msg),
        automatic=_automatic(msg, from_address),
        content_language=_content_language(msg),
    )
