"""Each current district of a city has its own number, held by the database too: the
migration that adds the constraint first reads the districts and names any that share a
number; the import's "Replace the current map" retires the old map before it writes the new
one, so a new map numbered as the old one was still imports."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from shapely.geometry import box

from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, District
from civicdesk.tenants.services import district_import

BEFORE = ("tenants", "0004_city_reference_version")
WITH_CONSTRAINT = ("tenants", "0005_district_number_unique_in_current_map")


def migrate_to(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def halves(city: City) -> list[DistrictShape]:
    area = shape_from_geojson(city.boundary)
    minx, miny, maxx, maxy = area.bounds
    middle = (minx + maxx) / 2
    return [
        DistrictShape("Ward 1", 1, area.intersection(box(minx, miny, middle, maxy))),
        DistrictShape("Ward 2", 2, area.intersection(box(middle, miny, maxx, maxy))),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_two_current_districts_sharing_a_number_and_adds_the_constraint_once_fixed(
    independence,
):
    second = District.objects.get(city=independence, number=2)
    migrate_to(BEFORE)
    try:
        # Written as a script could before the constraint: a second current district 2.
        twin = District.objects.create(city=independence, name="Second map's 2", number=2, boundary=second.boundary)
        District.objects.create(
            city=independence, name="Old 3", number=3, boundary=second.boundary, retired_on=datetime.date(2020, 1, 1)
        )
        with pytest.raises(RuntimeError) as refused:
            migrate_to(WITH_CONSTRAINT)
        message = str(refused.value)
        assert (
            f"Independence: “District 2” (id {second.pk}), “Second map's 2” (id {twin.pk}) all have the number 2"
            in message
        )
        assert "Old 3" not in message and "number 3" not in message  # a retired district keeps its number
        assert "retire the district that is no longer on the city's map" in message
        assert District.objects.filter(city=independence, number=2).count() == 2  # nothing was changed

        twin.delete()
    finally:
        District.objects.filter(city=independence, name="Second map's 2").delete()
        migrate_to(WITH_CONSTRAINT)
        # Back to every app's latest migration: going back to tenants 0004 also took back every
        # later migration that depends on tenants 0006 (the alerts' address column among them),
        # which the next tests of this process would otherwise miss.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with pytest.raises(IntegrityError), transaction.atomic():
        District.objects.create(city=independence, name="Second map's 2", number=2, boundary=second.boundary)


@pytest.mark.django_db
def test_replacing_the_map_with_one_numbered_as_it_was_imports_under_the_constraint(independence):
    first = district_import(city=independence, shapes=halves(independence), replace=True)
    assert [(d.name, d.number) for d in first] == [("Ward 1", 1), ("Ward 2", 2)]
    # The same numbers again, the next map: the old wards are retired before the new are written.
    again = [DistrictShape(f"{s.name} (new)", s.number, s.geom) for s in halves(independence)]
    second = district_import(city=independence, shapes=again, replace=True)
    current = District.objects.filter(city=independence, retired_on__isnull=True).order_by("number")
    assert [(d.name, d.number) for d in current] == [("Ward 1 (new)", 1), ("Ward 2 (new)", 2)]
    assert {d.pk for d in current} == {d.pk for d in second}
    assert District.objects.filter(city=independence, number=1).count() == 3  # demo's 1, first map's 1, new 1
