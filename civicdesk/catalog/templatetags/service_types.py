"""``{{ case.service_type|type_name }}``: a problem type's name in the language of the page or
email being written, the city's Spanish name (``name_es``) when it gave one, else its name.

Residents read it (the portal, the public reports, their emails); the staff console keeps the
city's main name, which its staff work with. ``type_name_for_resident`` is the name on the
resident's own report and in the public's lists (the emails, the tracking page, the city
home, browse, feeds): a report still waiting in triage reads "Being reviewed: staff will
choose the right team", not the queue's name.

``{{ service_type|target }}``: the type's target as the city writes it, "10 days" or
"3 business days" (``catalog.targets.target_words``); ``{{ case|business_target }}``: the
words of "within 3 business days (by <date>)" for a case, "" when only "by <date>" is true.

``{{ attribute|question }}``: a type's question (an informational note) in the page's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from civicdesk.catalog import targets
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.core.written import Written

if TYPE_CHECKING:
    from civicdesk.cases.models import ServiceRequest

register = template.Library()


@register.filter
def type_name(service_type: ServiceType | None) -> Written:
    """The type's name in the active language ("" for no type), knowing its language for
    ``as_written`` (core/templatetags/written.py)."""
    if service_type is None:
        return Written("", settings.LANGUAGE_CODE)
    return service_type.local_name(translation.get_language() or "")


@register.filter
def question(attribute: ServiceAttribute) -> Written:
    """A type's question in the active language: the city's Spanish one when it gave one."""
    return attribute.local_question(translation.get_language() or "")


@register.filter
def awaits_triage(service_type: ServiceType | None) -> bool:
    """Whether the type is the city's triage type (``INTAKE_TRIAGE_SERVICE_CODE``): a report
    staff must still give a type or a place to, before any department has it."""
    return service_type is not None and service_type.code == settings.INTAKE_TRIAGE_SERVICE_CODE


@register.filter
def type_name_for_resident(service_type: ServiceType | None) -> Written:
    """The type's name as the resident who reported should read it about their own report:
    ``type_name``, except for the triage type, whose name ("Needs triage") is the staff's
    word for a queue. The resident reads what is happening instead."""
    if awaits_triage(service_type):
        # The product's words, in the page's language: never marked as the city's English.
        language = translation.get_language() or settings.LANGUAGE_CODE
        return Written(gettext("Being reviewed: staff will choose the right team"), language)
    return type_name(service_type)


@register.filter
def target(service_type: ServiceType | None) -> str:
    """The type's target in the active language: "10 days", "3 business days" ("": none)."""
    return targets.target_words(service_type)


@register.filter
def business_target(case: ServiceRequest) -> str:
    """The words "3 business days" when ``case`` is due as its type's business-day target
    gives it for its opening, else "" (``catalog.targets.business_target_words``)."""
    return targets.business_target_words(case.service_type, case.opened_at, case.due_at)
