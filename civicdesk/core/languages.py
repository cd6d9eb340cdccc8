"""The site's languages, as stored for a resident (the language of their emails), and the
language a person's own words are in (``written_language``)."""

from __future__ import annotations

import re
import unicodedata

from django.utils import translation


def offered_language(code: str) -> str:
    """The site's language closest to ``code`` ("es-MX" is "es"), or "" for the site's
    default: what is stored as a resident's language for their emails."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


# --- the language a person wrote in -----------------------------------------------------------

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents: "Está" and "esta" are one word to a reader."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Short, frequent words of one language that are not words of the other ("a", "no", "me"
# are both, so neither list has them). Counting them is enough for a report's few sentences.
_SPANISH_WORDS = _word_set(
    "el la los las de del que y en un una unos unas por para con es esta estan hay muy su sus mi mis "
    "al se lo le les pero como gracias favor calle frente desde hace hola buenos buenas senor senora "
    "ayuda este esto ese esa donde cuando porque tambien hemos tiene tienen casa aqui"
)
_ENGLISH_WORDS = _word_set(
    "the and is are was were of to in on at it this that there my our for with from please thanks thank "
    "you have has been near street road front hello its his her they them we would could will can"
)
_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]", re.IGNORECASE)


def written_language(text: str) -> str:
    """The language of ``text``: "es" or "en" when the text is clearly in that language, else "".

    Counts each language's common words (and Spanish's marks: ñ, ¿, ¡, accents); one
    language must have at least two and more than the other. What a person typed (a
    resident's report, a staff member's note) says no language of its own: the intake answers
    an email in the language its words are in, and the pages mark a note with it."""
    words = [fold(w) for w in WORD.findall(text or "")]
    spanish = sum(w in _SPANISH_WORDS for w in words) + min(len(_SPANISH_MARKS.findall(text or "")), 3)
    english = sum(w in _ENGLISH_WORDS for w in words)
    if spanish >= 2 and spanish > english:
        return "es"
    if english >= 2 and english > spanish:
        return "en"
    return ""


# --- the "or" and "and" before a list's last name ---------------------------------------------

# Spanish writes its "o" as "u" before a word said with an o ("Independence u Oak Grove",
# "u Hopewell") and its "y" as "e" before one said with an i ("Raytown e Independence"), but
# not before an i that glides into the next vowel ("y Iowa", "y hielo"). A language without
# such a rule (English) has no entry.
_CONJUNCTION_BEFORE = {
    "es": (
        (" o ", " u ", re.compile(r"h?[oó]", re.IGNORECASE)),
        (" y ", " e ", re.compile(r"h?[ií](?![aeoáéó])", re.IGNORECASE)),
    ),
}


def conjunction_before(template: str, *, key: str, following: str) -> str:
    """``template`` (translated already: "%(first)s o %(last)s") with the "or"/"and" just
    before ``%(key)s`` in the form the active language writes before ``following``, the
    word that will stand there: "%(first)s u %(last)s" for "Oak Grove" in Spanish."""
    language = (translation.get_language() or "").split("-")[0].lower()
    for word, instead, sound in _CONJUNCTION_BEFORE.get(language, ()):
        if sound.match(following.strip()):
            template = template.replace(f"{word}%({key})s", f"{instead}%({key})s")
    return template
