"""The outbox, read-only: where each email stands (waiting, sent, given up, and why).

Operators (superusers) see every message; a city administrator sees the messages about
their city's cases, to answer "did the resident get our email?". Nothing is edited here:
delivery and retries belong to the worker and the sweeper.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from civicdesk.accounts.models import Role
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.scoping import NOTHING, READ_ONLY, CityScopedAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(CityScopedAdmin):
    city_lookup = "case__city"
    superuser_can = READ_ONLY
    regional_admin_can = NOTHING
    city_roles_can = {Role.CITY_ADMIN.value: READ_ONLY}
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["case__city"]
    search_fields = ["recipient", "subject", "message_id"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["kind", "case", "recipient", "reply_to", "subject", "message_id"]}),
        (
            gettext_lazy("Delivery"),
            {
                "fields": [
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "enqueued_at",
                    "claimed_at",
                    "claimed_by",
                    "sent_at",
                    "last_error",
                ]
            },
        ),
        (gettext_lazy("Message"), {"fields": ["body_text", "body_html"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        # A confidential case's emails carry the reporter's address and the tip itself: like
        # the case (cases/admin.py), nobody reads them here; its investigators have the console.
        return super().get_queryset(request).exclude(case__service_type__is_confidential=True)

    @admin.display(description=gettext_lazy("Last error"))
    def error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(80)
