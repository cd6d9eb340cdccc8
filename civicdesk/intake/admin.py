"""Inbound email, read-only: what became of each message the intake received, and why a
failed one failed (or an ignored one was ignored), in the reader's language. A city
administrator sees their city's messages; operators see all, including mail that reached no
city."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicdesk.accounts.models import Role
from civicdesk.intake.models import InboundMessage
from civicdesk.intake.words import error_shown
from civicdesk.tenants.scoping import NOTHING, READ_ONLY, CityScopedAdmin


@admin.register(InboundMessage)
class InboundMessageAdmin(CityScopedAdmin):
    city_lookup = "city"
    superuser_can = READ_ONLY
    regional_admin_can = NOTHING
    city_roles_can = {Role.CITY_ADMIN.value: READ_ONLY}
    list_display = ["received_at", "sender", "subject", "outcome", "case", "attempts", "error_in_words"]
    list_filter = ["outcome"]
    list_select_related = ["case__city", "city"]
    search_fields = ["sender", "subject", "message_id"]
    date_hierarchy = "received_at"
    fields = [
        "message_id",
        "received_at",
        "processed_at",
        "city",
        "case",
        "sender",
        "subject",
        "outcome",
        "attempts",
        "error_in_words",
    ]
    readonly_fields = ["error_in_words"]

    @admin.display(description=_("error"))
    def error_in_words(self, message: InboundMessage) -> str:
        # Stored in English; shown in the reader's language (intake/words.py).
        return error_shown(message.error)

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMessage]:
        # An email that became a confidential case names its reporter: like the case
        # (cases/admin.py), nobody reads it here; its investigators have the console.
        return super().get_queryset(request).exclude(case__service_type__is_confidential=True)
