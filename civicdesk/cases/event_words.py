"""The words the product itself writes on a case's timeline, shown in the reader's language.

Who acted when no staff account did ("Resident", "Import"), and the sentences of a hand-off
or a placing ("Lee's Summit now handles this report, as LS-3031 (it was IND-3498)…"), are
the catalog's msgids. An event stores them in English, with their values filled in: the
audit log, the admin and the exports read one language, whoever acted. A page or an email
recognizes them against the sentences below and writes them again in its own language
(the Spanish reporter's email, the Spanish console), with the same values: what a person
typed (a reason, a caller's name, an address) goes in as typed, never translated.

Events written before this stored the sentence translated already, in the language of the
request that wrote it ("Residente" from the Spanish portal, a staff member's Spanish
hand-off). They are recognized the same way in every offered language, so they need no data
migration; a stored text that is none of these sentences (a note) is shown as stored.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# A sentence: one or more msgids, written one after the other with a space between.
Sentence = tuple[str, ...]

RESIDENT = gettext_noop("Resident")
IMPORT = gettext_noop("Import")
REPORTER = gettext_noop("Reporter")
EMAIL_INTAKE = gettext_noop("Email intake")
RESIDENT_BY_EMAIL = gettext_noop("Resident, by email")
FROM_EMAIL_BY = gettext_noop("From email by %(sender)s")
SYSTEM = gettext_noop("system")

TRANSFERRED: Sentence = (
    gettext_noop("%(city)s now handles this report, as %(new)s (it was %(old)s). Contact %(city)s about it."),
)
TRANSFER_REFUSED: Sentence = (gettext_noop("%(city)s did not take the case: %(reason)s"),)
PLACED: Sentence = (gettext_noop("Placed at %(where)s."),)
PLACED_IN_ANOTHER_CITY: Sentence = (*PLACED, gettext_noop("The place is in %(city)s."))
CALLER_FOLLOWS: Sentence = (gettext_noop("Caller %(who)s reported this again and now follows the case."),)
# Another call about a case, from a caller with no email to follow it (case_record_call).
ANOTHER_CALL: Sentence = (gettext_noop("Another call about this: %(who)s."),)
ANOTHER_CALL_NO_CONTACT: Sentence = (gettext_noop("Another call about this, from a caller who gave no name or phone."),)
CALLER_SAID = gettext_noop("The caller said: %(said)s")

# Who acted, when no staff account did.
ACTORS: tuple[Sentence, ...] = (
    (RESIDENT,),
    (IMPORT,),
    (REPORTER,),
    (EMAIL_INTAKE,),
    (RESIDENT_BY_EMAIL,),
    (FROM_EMAIL_BY,),
)
# The product's sentences an event of each kind (``EventKind``'s values) may hold; the
# longer of two that begin alike first, so that it is the one recognized.
TEXTS: dict[str, tuple[Sentence, ...]] = {
    "transferred": (TRANSFERRED,),
    "transfer_refused": (TRANSFER_REFUSED,),
    "placed": (PLACED_IN_ANOTHER_CITY, PLACED),
    "internal_note": (
        CALLER_FOLLOWS,
        (*ANOTHER_CALL, CALLER_SAID),
        ANOTHER_CALL,
        (*ANOTHER_CALL_NO_CONTACT, CALLER_SAID),
        ANOTHER_CALL_NO_CONTACT,
    ),
}


def stored(sentence: Sentence, **values: object) -> str:
    """``sentence`` as an event stores it: in English, with ``values``."""
    return " ".join(sentence) % values


def shown_actor(label: str) -> str:
    """An event's ``actor_label`` in the active language when the product wrote it; a name
    it was given (an Open311 client's) as it is."""
    return _shown(label, ACTORS)


def shown_text(kind: str, text: str) -> str:
    """An event's ``text`` in the active language when the product wrote it, else as stored."""
    sentences = TEXTS.get(kind)
    return _shown(text, sentences) if sentences and text else text


def _shown(text: str, sentences: tuple[Sentence, ...]) -> str:
    for sentence in sentences:
        values = _recognized(text, sentence)
        if values is not None:
            return " ".join(gettext(msgid) for msgid in sentence) % values
    return text


def _recognized(text: str, sentence: Sentence) -> dict[str, str] | None:
    """The values of ``sentence`` if ``text`` is it, in English or any offered language."""
    for language in _languages():
        match = _pattern(sentence, language).fullmatch(text)
        if match is not None:
            return match.groupdict()
    return None


def _languages() -> tuple[str, ...]:
    # English first: what every event written now stores.
    return ("en", *(code for code, _name in settings.LANGUAGES if code != "en"))


@lru_cache(maxsize=256)
def _pattern(sentence: Sentence, language: str) -> re.Pattern[str]:
    """``sentence`` written in ``language`` as a pattern, each value a group (a value the
    sentence names twice, as the city of a hand-off, must be the same both times)."""
    with translation.override(language):
        words = " ".join(gettext(msgid) for msgid in sentence)
    pieces = re.split(r"%\((\w+)\)s", words)
    pattern, named = [], set()
    for n, piece in enumerate(pieces):
        if n % 2 == 0:
            pattern.append(re.escape(piece))
        elif piece in named:
            pattern.append(f"(?P={piece})")
        else:
            named.add(piece)
            pattern.append(f"(?P<{piece}>.*?)")
    return re.compile("".join(pattern), re.DOTALL)
