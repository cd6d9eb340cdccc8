"""Checking the answers to a service type's questions (Open311 attributes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civicdesk.catalog.models import Datatype, ServiceType


def _text(value: Any) -> str:
    # NUL cannot be stored in PostgreSQL's jsonb; it never means anything in an answer.
    return str(value).replace("\x00", "")


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value if _text(v) != ""]
    return [_text(value)]


def clean_attributes(service_type: ServiceType, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the answers keyed by attribute code, or raise ValidationError naming each bad one.

    Unknown codes are refused rather than silently dropped, so a client learns its mistake.
    """
    raw = dict(raw or {})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    definitions = {a.code: a for a in service_type.attributes.all() if a.variable}
    for code in raw:
        if code not in definitions:
            errors[code] = _("“%(code)s” is not a question of %(type)s.") % {"code": code, "type": service_type.name}
    for code, attribute in definitions.items():
        values = _as_list(raw.get(code))
        if not values:
            if attribute.required:
                errors[code] = _("“%(question)s” needs an answer.") % {"question": attribute.question}
            continue
        try:
            cleaned[code] = _clean_one(attribute.datatype, attribute.value_keys(), values)
        except ValidationError as exc:
            errors[code] = _("“%(question)s”: %(error)s") % {"question": attribute.question, "error": exc.messages[0]}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_one(datatype: str, keys: list[str], values: list[str]) -> Any:
    if datatype == Datatype.MULTIVALUELIST:
        bad = [v for v in values if v not in keys]
        if bad:
            raise ValidationError(_("%(value)s is not one of the choices.") % {"value": ", ".join(bad)})
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise ValidationError(_("only one answer is allowed."))
    value = values[0].strip()
    if datatype == Datatype.SINGLEVALUELIST:
        if value not in keys:
            raise ValidationError(_("%(value)s is not one of the choices.") % {"value": value})
        return value
    if datatype == Datatype.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise ValidationError(_("%(value)s is not a number.") % {"value": value}) from exc
        if not number.is_finite():
            raise ValidationError(_("%(value)s is not a number.") % {"value": value})
        return int(number) if number == number.to_integral_value() else float(number)
    if datatype == Datatype.DATETIME:
        try:
            # parse_datetime raises ValueError for well-formed impossible dates (February 30).
            parsed = parse_datetime(value) or dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError as exc:
            raise ValidationError(
                _("%(value)s is not a date and time such as 2026-11-23T14:30.") % {"value": value}
            ) from exc
        return parsed.isoformat()
    if datatype == Datatype.STRING and len(value) > 500:
        raise ValidationError(_("the answer is longer than 500 characters."))
    if len(value) > 10000:
        raise ValidationError(_("the answer is longer than 10,000 characters."))
    return value
