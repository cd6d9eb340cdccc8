"""Open311's part of a new member city's checklist: an API key for outside applications."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from civicdesk.open311.models import Open311ApiKey
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import SetupStep


def open311_key_steps(city: City) -> list[SetupStep]:
    keys = Open311ApiKey.objects.filter(city=city, active=True).count()
    active = npgettext("Open311 API keys", "%(n)d active", "%(n)d active", keys) % {"n": keys}
    return [SetupStep("open311", _("Open311 API key"), keys > 0, active, 60)]
