"""What ``cases`` answers when the apps below it ask about a case's place: receivers of
``civicdesk.tenants.signals``. ``tenants`` knows nothing of cases; the district pages ask."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest
from civicdesk.tenants import signals as tenant_signals
from civicdesk.tenants.models import District


def _district_retiring(sender: type[District], *, old: District, **kwargs: Any) -> list[str]:
    # Asked by "Retire" before anything is retired: a case keeps the district it was filed in,
    # so the open ones are still worked there, under the district's name with the day.
    count = ServiceRequest.objects.filter(city_id=old.city_id, district=old, status__in=OPEN_STATUSES).count()
    if not count:
        return []
    return [
        ngettext(
            "%(n)d open case filed in %(name)s keeps it: it is worked as before, and the reports count it there.",
            "%(n)d open cases filed in %(name)s keep it: they are worked as before, and the reports count them there.",
            count,
        )
        % {"n": count, "name": old.name}
    ]


def connect() -> None:
    """Connect the receivers (from ``CasesConfig.ready``)."""
    tenant_signals.district_retiring.connect(
        _district_retiring, sender=District, dispatch_uid="cases-district-retiring"
    )
