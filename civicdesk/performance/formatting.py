"""Values as the city writes them, and back.

Durations are stored in seconds. A measure in minutes shows them as decimal minutes
("7.78 min") or as minutes and seconds ("7:47"), whichever the city uses; staff may type
either form. Per cents are stored as 0–100.

Shown to a reader, numbers are written in the page's language ("7,78 min" in Spanish), as
the charts beside them and Django's own number filters write them. What staff are given to
edit stays in the form ``parse_value`` reads (``localize=False``).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext, gettext_noop

SECONDS_PER = {"seconds": Decimal(1), "minutes": Decimal(60), "days": Decimal(86400)}
SUFFIX = {"seconds": " s", "minutes": " min", "days": " " + gettext_noop("days")}
CLOCK_RE = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>[0-5]\d(?:\.\d+)?)$")


def _number(value: Decimal, decimals: int, exact: bool = False, *, localize: bool = True) -> str:
    """Grouped digits with ``decimals`` places, in the active language's format unless
    ``localize`` is False. ``exact`` (for targets) shows up to two more places when the
    value has them: a target of 75.5% is not rounded to 76% (a count's target is rounded
    to whole figures first, by ``count_target``)."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if exact and rounded != value and decimals < 2:
        rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
        decimals = max(decimals, -int(rounded.as_tuple().exponent))
    rounded += 0  # -0.0 is 0.0
    if localize:
        return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{rounded:,.{decimals}f}"


def _clock(seconds: Decimal) -> str:
    total = int(seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_value(
    value: Decimal | None,
    *,
    unit: str,
    display: str = "decimal",
    decimals: int = 0,
    exact: bool = False,
    localize: bool = True,
) -> str:
    """A stored value as the dashboard shows it; "No data" when there is none. ``localize``
    False writes it as staff type it (``parse_value`` reads it back)."""
    if value is None:
        return gettext("No data")
    if unit in SECONDS_PER:
        if display == "clock":
            return _clock(value)
        # " days" in the reader's language; "s" and "min" are the same in both.
        return (
            _number(value / SECONDS_PER[unit], decimals, exact, localize=localize) + " " + gettext(SUFFIX[unit].strip())
        )
    if unit == "percent":
        return _number(value, decimals, exact, localize=localize) + "%"
    if unit == "money":
        return "$" + _number(value, decimals, exact, localize=localize)
    return _number(value, decimals, exact, localize=localize)


def as_written(value: Decimal, *, unit: str, display: str = "decimal") -> str:
    """A stored value as staff type it, and ``parse_value`` reads back: "5:00" for a
    duration shown in minutes and seconds, "6.3333" for minutes, "3" for days, "75" for 75%.
    No unit word, so the same text reads back in every language."""
    if unit in SECONDS_PER:
        if display == "clock":
            return _clock(value)
        value = (value / SECONDS_PER[unit]).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}"


def comparator(*, higher_is_better: bool, strict: bool) -> str:
    """The sign before a target: ≥, >, ≤ or <."""
    if higher_is_better:
        return ">" if strict else "≥"
    return "<" if strict else "≤"


def count_target(target: Decimal, *, decimals: int, sign: str) -> Decimal:
    """A count's target at the measure's precision (``decimals``), as a reader counts: an
    annual target split evenly gives quarters of 241.25 jobs, but jobs, buildings and calls
    come whole. It is rounded the way that states the same goal for figures of that
    precision, so the target shown never disagrees with the status beside it: ≥ 241.25 is
    met by 242 and no fewer ("≥ 242"); > 241.25 by more than 241 ("> 241"); ≤ 4.5 by 4 or
    fewer ("≤ 4"); < 4.5 by fewer than 5 ("< 5"). A target already at that precision is
    unchanged."""
    step = Decimal(1).scaleb(-decimals)
    return target.quantize(step, rounding=ROUND_CEILING if sign in ("≥", "<") else ROUND_FLOOR) + 0


def parse_value(text: str, *, unit: str) -> Decimal:
    """What staff typed, in the measure's stored unit. Raises ``ValueError`` saying what to type.

    Durations accept ``7:47`` (minutes:seconds, or h:mm:ss) or a decimal number in the
    measure's unit (``7.78`` minutes); per cents accept ``81`` or ``81%``; money ``$1,200``.
    """
    raw = (text or "").strip().lower()
    for suffix in ("minutes", "minute", "min", "days", "day", "seconds", "second", "sec", "s", "%"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    raw = raw.lstrip("$").replace(",", "").strip()
    if not raw:
        raise ValueError(gettext("Enter a value."))
    if unit in SECONDS_PER:
        clock = CLOCK_RE.match(raw)
        if clock:
            hours = int(clock["h"] or 0)
            return Decimal(hours * 3600 + int(clock["m"]) * 60) + Decimal(clock["s"])
    try:
        number = Decimal(raw)
    except InvalidOperation:
        if unit in SECONDS_PER:
            message = gettext("“%(text)s” is not a number; write it like 7.78 or minutes:seconds like 7:47.")
        else:
            message = gettext("“%(text)s” is not a number; write it like 7.78.")
        raise ValueError(message % {"text": text.strip()}) from None
    if not number.is_finite():
        raise ValueError(gettext("“%(text)s” is not a number.") % {"text": text.strip()})
    if unit in SECONDS_PER:
        return number * SECONDS_PER[unit]
    return number
