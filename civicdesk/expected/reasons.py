"""The reason a training gives, stored in English and shown in the reader's language.

``expected_model_train`` stores what came of a training ("in use", "kept the model in use…",
why no model could be fitted) as the catalog's msgids with their values; the admin's
"Expected models" writes it again in the administrator's language (``shown_reason``). The
sentences are the ones stored before they were msgids, so older trainings read right too.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from civicdesk.core.stored_words import Words, recognized, stored

IN_USE = gettext_noop("in use")
KEPT = gettext_noop("kept the model in use: the new one is worse on the held-out months")
# After either, when the fit needed a stronger penalizer than the usual.
STRONGER = gettext_noop(
    "(fitted with the stronger penalizer %(used)s: with %(tried)s the fit did not converge, "
    "as when many cases took exactly the same time; its dates are tight)"
)
# Why no model could be fitted, then what happens meanwhile.
SAME_TIME = gettext_noop(
    "Every closed case in the history took the same time (%(duration)s): there is no spread to learn from."
)
NOT_FITTED = gettext_noop(
    "The model could not be fitted to this history, even with stronger smoothing (penalizer %(tried)s)."
)
# ``types``: each type as FLAT_TYPE, with "; " between.
FLAT_TYPES = gettext_noop("Types whose closed cases all took the same time, with no spread to learn from: %(types)s.")
FLAT_TYPE = gettext_noop("%(type)s: %(n)s cases, all %(duration)s")
MODEL_KEPT = gettext_noop("The model in use is kept.")
TARGETS_MEANWHILE = gettext_noop("Cases are given their type's target until a training succeeds.")
ONE_HOUR = gettext_noop("1 hour")
HOURS = gettext_noop("%(n)s hours")
ONE_DAY = gettext_noop("1 day")
DAYS = gettext_noop("%(n)s days")

_DURATION = Words(((ONE_HOUR,), (HOURS,), (ONE_DAY,), (DAYS,)))
_RESULT = Words(((IN_USE, STRONGER), (IN_USE,), (KEPT, STRONGER), (KEPT,)))
_NO_FIT = Words(
    ((SAME_TIME,), (NOT_FITTED,), (FLAT_TYPES,), (MODEL_KEPT,), (TARGETS_MEANWHILE,)),
    run=True,
    parts={
        "duration": (_DURATION, ""),
        "types": (Words(((FLAT_TYPE,),), parts={"duration": (_DURATION, "")}), "; "),
    },
)


def duration_words(days: float) -> str:
    """A duration as a reason stores it: "3 hours", "1 day", "2.5 days"."""
    if days < 1:
        hours = max(1, round(days * 24))
        return ONE_HOUR if hours == 1 else stored(HOURS, n=hours)
    value = f"{days:.1f}".removesuffix(".0")
    return ONE_DAY if value == "1" else stored(DAYS, n=value)


def shown_reason(reason: str) -> str:
    """A training's stored reason in the active language; as stored if the product did not
    write it."""
    for words in (_RESULT, _NO_FIT):
        found = recognized(reason, words)
        if found is not None:
            return found
    return reason
