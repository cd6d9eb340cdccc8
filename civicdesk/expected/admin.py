"""Admin: each city sets its Likely late threshold and reads its models' figures."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicdesk.accounts.models import Role
from civicdesk.expected import reasons
from civicdesk.expected.models import ExpectedModel, ExpectedSettings
from civicdesk.tenants.scoping import EVERYTHING, READ_ONLY, CityScopedAdmin


@admin.register(ExpectedSettings)
class ExpectedSettingsAdmin(CityScopedAdmin):
    list_display = ["city", "likely_late_threshold"]
    fields = ["city", "likely_late_threshold"]
    city_roles_can = {Role.CITY_ADMIN.value: EVERYTHING}


@admin.register(ExpectedModel)
class ExpectedModelAdmin(CityScopedAdmin):
    """Trainings are written by ``expected_train`` alone: read-only here, for everyone."""

    list_display = [
        "city",
        "status",
        "shown_reason",
        "kind",
        "trained_at",
        "cases",
        "open_cases",
        "window_start",
        "window_end",
    ]
    list_filter = ["status", "city"]
    # The reason is shown in the reader's language (``shown_reason``), not as stored.
    exclude = ["params", "reason"]
    superuser_can = READ_ONLY
    city_roles_can = {Role.CITY_ADMIN.value: READ_ONLY}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shown_reason" if f.name == "reason" else f.name for f in self.model._meta.fields if f.name != "params"]

    @admin.display(description=_("reason"))
    def shown_reason(self, obj: ExpectedModel) -> str:
        return reasons.shown_reason(obj.reason)
