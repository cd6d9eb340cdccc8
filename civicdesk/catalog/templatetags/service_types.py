"""``{{ case.service_type|type_name }}``: a problem type's name in the language of the page or
email being written, the city's Spanish name (``name_es``) when it gave one, else its name.

Residents read it (the portal, the public reports, their emails); the staff console keeps the
city's main name, which its staff work with.
"""

from __future__ import annotations

from django import template
from django.utils import translation

from civicdesk.catalog.models import ServiceType

register = template.Library()


@register.filter
def type_name(service_type: ServiceType | None) -> str:
    """The type's name in the active language ("" for no type)."""
    if service_type is None:
        return ""
    return service_type.local_name(translation.get_language() or "")
