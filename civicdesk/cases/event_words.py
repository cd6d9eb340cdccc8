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

The email intake's notes (what it read, sent to triage, left out) and the text it gives a
case when the email had none are stored and shown the same way; they were always stored in
English, so cases from before read right too.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from civicdesk.cases import photos
from civicdesk.core import stored_words
from civicdesk.core.stored_words import Sentence, Words, recognized, shown

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


# The email intake's notes on a new case (intake/services.py), one after the other: what
# its text, place and type were, and why the case waits in triage.
EMAIL_TOO_LONG = gettext_noop("The email's text was %(length)s characters long; the case keeps the first %(kept)s.")
OUTSIDE_EVERY_CITY = gettext_noop("The coordinates %(lat)s, %(lng)s in the email are outside every member city.")
MIGHT_BE = gettext_noop("The email might be about “%(type)s”, but says too little to be sure.")
# ``types``: the names before the last, each in quotes, with a comma between.
COULD_BE = gettext_noop("The email could be about %(types)s or “%(last)s”: the intake could not choose.")
NOT_TAKEN = gettext_noop("The email looked like “%(type)s”, which %(city)s does not take.")
SAYS_NOWHERE = gettext_noop("The email looked like “%(type)s” but says nowhere where.")
TRIAGE_READ_AS = gettext_noop("Sent to triage: The intake read it as “%(type)s”.")
TRIAGE_NO_CHOICE = gettext_noop("Sent to triage: The intake could not choose a type.")
TRIAGE_NO_WORDS = gettext_noop("Sent to triage: The intake found no words of any problem type in it.")
GIVES_ADDRESS = gettext_noop("It gives an address.")
GIVES_NO_ADDRESS = gettext_noop("It gives no address or map point.")
TRIAGE_TO_DO = gettext_noop("Choose the type (which routes it) and add the place.")
# An email's attachments that are not the case's photos, a list with "; " between.
LEFT_OUT = gettext_noop("Attachments not added as photos: %(items)s")
NOT_AN_IMAGE = gettext_noop("%(name)s (not an image)")
TOO_MANY_PHOTOS = gettext_noop("%(name)s (more than %(limit)s photos)")
ATTACHMENT_N = gettext_noop("attachment %(n)s")
# An image the photo check refused, with its reason (cases/photos.py).
PHOTO_REFUSED = gettext_noop("%(name)s (%(reason)s)")
# A case's description, or a reply's note, when the email had no text.
NO_TEXT = gettext_noop("(The email had no text.)")
# A reply by email from someone who may not add a public note: an internal note.
FROM_EMAIL_NOTE = gettext_noop("From email by %(sender)s:\n\n%(text)s")
UNKNOWN_SENDER = gettext_noop("an unknown sender")

_SENDER = {"sender": (Words(((UNKNOWN_SENDER,),)), "")}
_NO_TEXT = Words(((NO_TEXT,),))
# Why the photo check refused a photo: stored in English, and read in the language it was
# written in before (a note made while another language was active).
PHOTO_REFUSALS = Words(
    (
        (photos.LARGER_THAN,),
        (photos.EMPTY,),
        (photos.NOT_A_PHOTO,),
        (photos.FORMAT_REFUSED,),
        (photos.TOO_MANY_PIXELS_OF, photos.LARGEST_ACCEPTED),
        (photos.TOO_MANY_PIXELS, photos.LARGEST_ACCEPTED),
        (photos.DAMAGED,),
        (photos.NOT_STORED,),
    ),
    parts={"size": (Words(((photos.MEGABYTES,), (photos.KILOBYTES,))), "")},
)
_ATTACHMENT = Words(((ATTACHMENT_N,),))
_LEFT_OUT_ITEMS = Words(
    ((NOT_AN_IMAGE,), (TOO_MANY_PHOTOS,), (PHOTO_REFUSED,)),
    parts={"name": (_ATTACHMENT, ""), "reason": (PHOTO_REFUSALS, "")},
)
INTAKE_NOTE = Words(
    tuple(
        (msgid,)
        for msgid in (
            EMAIL_TOO_LONG,
            OUTSIDE_EVERY_CITY,
            MIGHT_BE,
            COULD_BE,
            NOT_TAKEN,
            SAYS_NOWHERE,
            TRIAGE_READ_AS,
            TRIAGE_NO_CHOICE,
            TRIAGE_NO_WORDS,
            GIVES_ADDRESS,
            GIVES_NO_ADDRESS,
            TRIAGE_TO_DO,
        )
    ),
    run=True,
)
ACTOR_WORDS = Words(ACTORS, parts=_SENDER)
# What each kind of event's text may be, besides what a person typed.
KIND_WORDS: dict[str, tuple[Words, ...]] = {
    **{kind: (Words(sentences),) for kind, sentences in TEXTS.items()},
    "internal_note": (
        Words(TEXTS["internal_note"]),
        INTAKE_NOTE,
        Words(((LEFT_OUT,),), parts={"items": (_LEFT_OUT_ITEMS, "; ")}),
        Words(((FROM_EMAIL_NOTE,),), parts={**_SENDER, "text": (_NO_TEXT, "")}),
    ),
    # A report's event holds its description; a resident's reply by email, its text.
    "created": (_NO_TEXT,),
    "public_note": (_NO_TEXT,),
}


def stored(sentence: Sentence | str, **values: object) -> str:
    """``sentence`` as an event stores it: in English, with ``values``."""
    return stored_words.stored(sentence, **values)


def shown_actor(label: str) -> str:
    """An event's ``actor_label`` in the active language when the product wrote it; a name
    it was given (an Open311 client's) as it is."""
    return shown(label, ACTOR_WORDS)


def shown_text(kind: str, text: str) -> str:
    """An event's ``text`` in the active language when the product wrote it, else as stored."""
    for words in KIND_WORDS.get(kind, ()):
        written = recognized(text, words)
        if written is not None:
            return written
    return text


def shown_description(text: str) -> str:
    """A case's description: the intake's words when the email had none, else as written."""
    return shown(text, _NO_TEXT)
