"""Open311's part of a new member city's checklist: an API key for outside applications."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from civicdesk.open311.models import Open311ApiKey
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import SetupStep


def open311_key_steps(city: City) -> list[SetupStep]:
    """Optional: residents report on the city's own pages and by email without any key; only
    an outside application that posts reports into the city needs one (each its own)."""
    keys = Open311ApiKey.objects.filter(city=city, active=True).count()
    if keys:
        detail = npgettext("Open311 API keys", "%(n)d active", "%(n)d active", keys) % {"n": keys}
    else:
        detail = _("none: only an outside app that sends reports into the city needs one, each app its own")
    return [SetupStep("open311", _("Open311 API key"), keys > 0, detail, 60, optional=True)]
