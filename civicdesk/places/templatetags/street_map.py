"""``{% street_map_attrs city %}``: the data attributes that tell a map where its streets come from.

With a tile server (``MAP_TILES_URL``) the tiles carry the streets: no street attribute.
Otherwise, when centerlines are loaded, the URL of the app's own street tiles
(civicdesk/core/static/civicdesk/streets.js draws them), and a note when they are the demo's
invented ones; when none are loaded, the words the map shows instead of pretending. And,
whatever the tiles, the words of the map's scale in the page's language (feet and miles:
"500 ft", "2 mi"; "500 pies", "2 mi")."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from civicdesk.places.selectors import streets_shown
from civicdesk.tenants.models import City

register = template.Library()


def street_tile_template() -> str:
    """/places/streets/{z}/{x}/{y}.geojson, the form Leaflet's tile URLs take."""
    return reverse("places:street-tile", args=[0, 0, 0]).replace("/0/0/0.", "/{z}/{x}/{y}.")


def scale_attrs() -> SafeString:
    """The words of the map's scale (streets.js civicScale) in the page's language, each with
    %(n)s for the number: one foot or mile, and more. A unit on a drawing, as a map writes it
    ("500 ft", "2 mi"; "500 pies", "2 mi")."""
    return format_html(
        'data-scale-ft="{}" data-scale-ft-one="{}" data-scale-mi="{}" data-scale-mi-one="{}"',
        npgettext("map scale", "%(n)s ft", "%(n)s ft", 2),
        npgettext("map scale", "%(n)s ft", "%(n)s ft", 1),
        npgettext("map scale", "%(n)s mi", "%(n)s mi", 2),
        npgettext("map scale", "%(n)s mi", "%(n)s mi", 1),
    )


@register.simple_tag
def street_map_attrs(city: City | None = None) -> SafeString:
    """Every map's attributes: where its streets come from, and the words of its scale."""
    scale = scale_attrs()
    if settings.MAP_TILES_URL:
        return scale
    loaded, illustrative = streets_shown(city=city)
    if not loaded:
        words = _("Street map not loaded for this city") if city is not None else _("Street map not loaded")
        return format_html('{} data-streets-missing="{}"', scale, words)
    attrs = format_html('{} data-streets="{}"', scale, street_tile_template())
    if illustrative:
        attrs += format_html(' data-streets-note="{}"', _("Illustrative streets, invented for the demo"))
    return attrs
