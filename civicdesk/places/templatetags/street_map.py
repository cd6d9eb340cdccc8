"""``{% street_map_attrs city %}``: the data attributes that tell a map where its streets come from.

With a tile server (``MAP_TILES_URL``) the tiles carry the streets: nothing. Otherwise, when
centerlines are loaded, the URL of the app's own street tiles (civicdesk/core/static/civicdesk/
streets.js draws them), and a note when they are the demo's invented ones; when none are loaded,
the words the map shows instead of pretending.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from civicdesk.places.selectors import streets_shown
from civicdesk.tenants.models import City

register = template.Library()


def street_tile_template() -> str:
    """/places/streets/{z}/{x}/{y}.geojson, the form Leaflet's tile URLs take."""
    return reverse("places:street-tile", args=[0, 0, 0]).replace("/0/0/0.", "/{z}/{x}/{y}.")


@register.simple_tag
def street_map_attrs(city: City | None = None) -> SafeString:
    if settings.MAP_TILES_URL:
        return mark_safe("")
    loaded, illustrative = streets_shown(city=city)
    if not loaded:
        words = _("Street map not loaded for this city") if city is not None else _("Street map not loaded")
        return format_html('data-streets-missing="{}"', words)
    attrs = format_html('data-streets="{}"', street_tile_template())
    if illustrative:
        attrs += format_html(' data-streets-note="{}"', _("Illustrative streets, invented for the demo"))
    return attrs
