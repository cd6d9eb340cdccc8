"""Sentences the product stores in English and shows in the reader's language.

A note the email intake writes on a case ("Sent to triage: …"), the reason a training of the
expected dates gives ("in use"): the product stores them as the catalog's msgids with their
values filled in, in English, so the audit log, the admin's lists and the log read one
language. Where a person reads them, ``shown`` recognizes the stored text against its
``Words`` and writes it again in the active language with the same values. Rows stored before
a sentence was a msgid hold the same English, so they read right with no data migration; a
text that is none of the sentences (what a person typed) is shown as stored.

A value may itself be product words (the list of attachments left out, each with its reason
why): ``Words.parts`` names those values and the words they are made of. Where a text can be
cut into its values in two ways (a file name with brackets of its own before the bracketed
reason, "photo (1).jpg (The photo file is empty.)"), the way that recognizes more of the
values' words is taken. A value may be a whole number (``%(w)d``) as well as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

# A sentence: one or more msgids, written one after the other with a space between.
Sentence = tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Words:
    """The sentences a stored text may be.

    ``run``: the text may be several of them, one after the other with a space between (a
    note the intake made of what it found), each ending where one ends with ``.``.
    ``parts``: values that are product words too, as (their words, the separator of a list
    of them; "" for a single one).
    """

    sentences: tuple[Sentence, ...]
    run: bool = False
    parts: Mapping[str, tuple[Words, str]] = field(default_factory=dict)


def stored(sentence: Sentence | str, **values: object) -> str:
    """``sentence`` as the product stores it: in English, with ``values``."""
    words = " ".join(sentence) if isinstance(sentence, tuple) else sentence
    return words % values if values else words


def shown(text: str, words: Words) -> str:
    """``text`` in the active language when it is ``words``, else as stored."""
    found = recognized(text, words)
    return text if found is None else found


def recognized(text: str, words: Words) -> str | None:
    """``text`` in the active language if it is ``words``; None if it is not."""
    if not text:
        return None
    return _shown_run(text, words) if words.run else _shown_one(text, words, 0, len(text))


def _shown_one(text: str, words: Words, start: int, end: int) -> str | None:
    for sentence in words.sentences:
        for language in _languages():
            prefix, pattern = _pattern(sentence, language)
            if not text.startswith(prefix, start):
                continue
            match = pattern.fullmatch(text, start, end)
            if match is not None:
                return _written(sentence, _best_values(sentence, language, match, text, start, end, words), words)
    return None


def _best_values(
    sentence: Sentence, language: str, match: re.Match[str], text: str, start: int, end: int, words: Words
) -> dict[str, str]:
    """The values of ``match``, or of the same sentence with each value taken as long as it
    may be, whichever recognizes more of the values that are product words."""
    values = match.groupdict()
    if not words.parts:
        return values
    found = _recognized_parts(values, words)
    if found == _parts_count(values, words):
        return values
    longest = _pattern(sentence, language, greedy=True)[1].fullmatch(text, start, end)
    if longest is not None and _recognized_parts(longest.groupdict(), words) > found:
        return longest.groupdict()
    return values


def _pieces(values: dict[str, str], words: Words) -> list[tuple[str, Words]]:
    pieces = []
    for name, (part, separator) in words.parts.items():
        if values.get(name) is not None:
            value = values[name]
            pieces += [(piece, part) for piece in (value.split(separator) if separator else [value])]
    return pieces


def _parts_count(values: dict[str, str], words: Words) -> int:
    return len(_pieces(values, words))


def _recognized_parts(values: dict[str, str], words: Words) -> int:
    return sum(recognized(piece, part) is not None for piece, part in _pieces(values, words))


def _shown_run(text: str, words: Words) -> str | None:
    """``text`` as sentences of ``words`` one after the other, written again; None if it is not."""
    # Where a sentence may end and the next begin: after a full stop and a space.
    ends = [m.start() for m in re.finditer(r"(?<=\.) ", text)] + [len(text)]
    failed: set[int] = set()

    def from_(start: int) -> list[str] | None:
        if start in failed or not _begins(text, words, start):
            return None
        for end in ends:
            if end <= start:
                continue
            one = _shown_one(text, words, start, end)
            if one is None:
                continue
            rest = [] if end == len(text) else from_(end + 1)
            if rest is not None:
                return [one, *rest]
        failed.add(start)
        return None

    found = from_(0)
    return None if found is None else " ".join(found)


def _begins(text: str, words: Words, start: int) -> bool:
    """Whether a sentence of ``words`` may begin at ``start``: a typed note that begins with
    none of them is not tried at every place a sentence of it ends."""
    return any(
        text.startswith(_pattern(sentence, language)[0], start)
        for sentence in words.sentences
        for language in _languages()
    )


def _written(sentence: Sentence, values: dict[str, str], words: Words) -> str:
    written: dict[str, object] = dict(values)
    for name, (part, separator) in words.parts.items():
        if name in values:
            value = values[name]
            pieces = value.split(separator) if separator else [value]
            written[name] = (separator or "").join(shown(piece, part) for piece in pieces)
    for name in _NUMBER.findall(" ".join(sentence)):
        written[name] = int(values[name])
    return " ".join(gettext(msgid) for msgid in sentence) % written


def _languages() -> tuple[str, ...]:
    # English first: what the product stores now.
    return ("en", *(code for code, _name in settings.LANGUAGES if code != "en"))


# A value written as a whole number ("%(w)d"), not as text.
_NUMBER = re.compile(r"%\((\w+)\)d")


@lru_cache(maxsize=512)
def _pattern(sentence: Sentence, language: str, *, greedy: bool = False) -> tuple[str, re.Pattern[str]]:
    """``sentence`` written in ``language``: its words before the first value, and a pattern of
    it, each value a group (a value the sentence names twice must be the same both times),
    as short as it may be, or with ``greedy`` as long."""
    with translation.override(language):
        words = " ".join(gettext(msgid) for msgid in sentence)
    pieces = re.split(r"%\((\w+)\)([sd])", words)
    pattern, named = [], set()
    for n, piece in enumerate(pieces):
        if n % 3 == 0:
            pattern.append(re.escape(piece.replace("%%", "%")))
        elif n % 3 == 2:
            continue  # the value's conversion, read with its name
        elif piece in named:
            pattern.append(f"(?P={piece})")
        else:
            named.add(piece)
            value = r"-?\d+" if pieces[n + 1] == "d" else (".*" if greedy else ".*?")
            pattern.append(f"(?P<{piece}>{value})")
    return pieces[0].replace("%%", "%"), re.compile("".join(pattern), re.DOTALL)
