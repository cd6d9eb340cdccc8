"""The admin's list of cases filters by the districts of its cases: the current map's first,
then the retired ones (named with their last day), as the console and the portal list them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.tenants import selectors as places
from civicdesk.tenants import services as tenant_services
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_the_district_filter_lists_the_current_districts_then_the_retired_ones(login, city_admin, independence, trash):
    lat, lng = INSIDE["independence"]
    points = [(lat + dlat, lng + dlng) for dlat in (0.0, 0.01, -0.01, 0.02, -0.02) for dlng in (0.0, 0.02, -0.02)]
    by_district = {}
    for point in points:
        district = places.location_of(lat=point[0], lng=point[1]).district
        if district is not None and district.pk not in by_district:
            by_district[district.pk] = (district, point)
    if len(by_district) < 3:
        pytest.skip("fewer than three districts found near the test point")
    # Cases in three districts; the two numbered lowest retired on one day (so in the map's order).
    (low, p_low), (mid, p_mid), (high, p_high) = sorted(by_district.values(), key=lambda dp: dp[0].number or 0)[:3]
    for point in (p_low, p_mid, p_high):
        services.case_create(service_type=trash, lat=point[0], lng=point[1], description="A sofa")
    today = tenant_services.city_today(independence)
    low = tenant_services.district_retire(district=low, on=today)
    mid = tenant_services.district_retire(district=mid, on=today)

    page = login(city_admin).get(reverse("admin:cases_servicerequest_changelist"))
    cl = page.context["cl"]
    [spec] = [s for s in cl.filter_specs if str(s.title) == "district"]
    names = {d.name for d in (low, mid, high)}
    shown = [str(c["display"]) for c in spec.choices(cl) if str(c["display"]) in names]
    assert shown == [high.name, low.name, mid.name]
    assert "map until" not in high.name and all("map until" in d.name for d in (low, mid))
