"""The gazetteer: address points and street segments with address ranges.

Both are loaded from the data a city has (``manage.py load_addresses``). Points are the
authoritative source; segments are for the streets (or the cities) that have no points: an
address is placed along its segment by its number.

Prefix search (what a search box sends as people type) is a ``LIKE 'KEY%'`` on PostgreSQL,
served by a ``varchar_pattern_ops`` index whatever the database's collation, and a range
``key >= 'KEY' AND key < 'KEY\\uffff'`` on SQLite, served by the plain index (SQLite's LIKE is
case-insensitive and would not use it). See ``civicdesk/places/selectors.py``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.tenants.models import City


class Source(models.TextChoices):
    OPENADDRESSES = "openaddresses", _("OpenAddresses")
    TIGER_ADDRFEAT = "tiger-addrfeat", _("Census TIGER/Line address ranges")
    TIGER_EDGES = "tiger-edges", _("Census TIGER/Line edges")
    CITY = "city", _("City GIS export")
    CASES = "cases", _("Addresses of past cases")
    TIGER_ROADS = "tiger-roads", _("Census TIGER/Line roads")
    SEGMENTS = "segments", _("Street segments of the gazetteer")
    INVENTED = "invented", _("Invented for the demo")


class AddressPoint(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="address_points", verbose_name=_("city"))
    number = models.PositiveIntegerField(_("number"))
    number_suffix = models.CharField(_("number suffix"), max_length=8, blank=True)
    pre_directional = models.CharField(_("pre directional"), max_length=2, blank=True)
    street_name = models.CharField(_("street name"), max_length=100)
    street_type = models.CharField(_("street type"), max_length=8, blank=True)
    post_directional = models.CharField(_("post directional"), max_length=2, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    place = models.CharField(
        _("place"), max_length=100, blank=True, help_text=_("City or place name the source gives.")
    )
    zip_code = models.CharField(_("zip code"), max_length=10, blank=True)
    lat = models.FloatField(_("lat"))
    lng = models.FloatField(_("lng"))
    # "1234 NOLAND RD": number, name and type, what a search is a prefix of (normalise.py).
    search_key = models.CharField(_("search key"), max_length=160)
    # "NOLAND RD": the street, for interpolation between neighbouring numbers.
    street_key = models.CharField(_("street key"), max_length=120)
    # "1234 S NOLAND RD #5": the address's identity in its city; a re-load matches on it.
    address_key = models.CharField(_("address key"), max_length=200)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.CharField(_("source id"), max_length=100, blank=True)
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Invented for the demo, not the city's own address data.")
    )

    class Meta:
        verbose_name = _("address point")
        verbose_name_plural = _("address points")
        constraints = [models.UniqueConstraint(fields=["city", "address_key"], name="address_point_unique_in_city")]
        indexes = [
            models.Index(fields=["search_key"], name="address_search_key", opclasses=["varchar_pattern_ops"]),
            # Equality and prefix on the street (pattern ops serve "=" too), then the number.
            models.Index(
                fields=["street_key", "number"],
                name="address_street_number",
                opclasses=["varchar_pattern_ops", "int4_ops"],
            ),
            models.Index(fields=["lat", "lng"], name="address_lat_lng"),
        ]

    def __str__(self) -> str:
        return self.address_key


class StreetSegment(models.Model):
    """One stretch of street between two intersections, with its house numbers on each side.

    ``*_parity`` is "O" (odd), "E" (even), "B" (both) or "" (not given: taken from the range's
    ends). The geometry runs from the ``from`` numbers to the ``to`` numbers.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="street_segments", verbose_name=_("city"))
    pre_directional = models.CharField(_("pre directional"), max_length=2, blank=True)
    street_name = models.CharField(_("street name"), max_length=100)
    street_type = models.CharField(_("street type"), max_length=8, blank=True)
    post_directional = models.CharField(_("post directional"), max_length=2, blank=True)
    street_key = models.CharField(_("street key"), max_length=120)
    left_from = models.PositiveIntegerField(_("left from"), null=True, blank=True)
    left_to = models.PositiveIntegerField(_("left to"), null=True, blank=True)
    right_from = models.PositiveIntegerField(_("right from"), null=True, blank=True)
    right_to = models.PositiveIntegerField(_("right to"), null=True, blank=True)
    left_parity = models.CharField(_("left parity"), max_length=1, blank=True)
    right_parity = models.CharField(_("right parity"), max_length=1, blank=True)
    left_zip = models.CharField(_("left zip"), max_length=10, blank=True)
    right_zip = models.CharField(_("right zip"), max_length=10, blank=True)
    geometry = models.JSONField(_("geometry"), help_text=_("GeoJSON LineString, longitude/latitude."))
    min_lat = models.FloatField(_("min lat"))
    min_lng = models.FloatField(_("min lng"))
    max_lat = models.FloatField(_("max lat"))
    max_lng = models.FloatField(_("max lng"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.CharField(_("source id"), max_length=100)
    illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("street segment")
        verbose_name_plural = _("street segments")
        constraints = [
            models.UniqueConstraint(fields=["city", "source", "source_id"], name="street_segment_unique_in_source")
        ]
        indexes = [
            models.Index(fields=["street_key"], name="segment_street_key", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["min_lat", "min_lng"], name="segment_bbox"),
        ]

    def __str__(self) -> str:
        return f"{self.street_key} {self.left_from}-{self.left_to}/{self.right_from}-{self.right_to}"


class Street(models.Model):
    """A street's centerline (or a piece of it), drawn under the maps with its name.

    ``rank`` orders streets by importance, from the Census MAF/TIGER feature class
    (``kind``, MTFCC): 1 primary roads (S1100), 2 secondary (S1200), 3 local streets (S1400),
    4 ramps and service drives, 5 alleys, private roads, walkways. Small zooms draw only the
    lower ranks, so a county's 60,000 streets are never sent at once. The box columns let a
    map's view be read through one index, as for the segments.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="streets", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=120, blank=True, help_text=_("As the map labels it: “S Noland Rd”."))
    kind = models.CharField(
        _("kind"), max_length=40, blank=True, help_text=_("Feature class: MTFCC (S1400) or the export's.")
    )
    rank = models.PositiveSmallIntegerField(_("rank"), default=3)
    geometry = models.JSONField(
        _("geometry"), help_text=_("GeoJSON LineString or MultiLineString, longitude/latitude.")
    )
    min_lat = models.FloatField(_("min lat"))
    min_lng = models.FloatField(_("min lng"))
    max_lat = models.FloatField(_("max lat"))
    max_lng = models.FloatField(_("max lng"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.CharField(_("source id"), max_length=100)
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Invented for the demo, not the city's own street data.")
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [models.UniqueConstraint(fields=["city", "source", "source_id"], name="street_unique_in_source")]
        indexes = [models.Index(fields=["min_lat", "min_lng"], name="street_bbox")]

    def __str__(self) -> str:
        return self.name or f"{self.source}:{self.source_id}"
