"""RSS 2.0 and Atom feeds of new and closed reports: valid XML with the required elements,
the right items for city, district, type and point, no reporter detail, no internal note."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET

from civicdesk.accounts.models import Role
from civicdesk.cases import services

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _report(service_type, point, address):
    return services.case_create(
        service_type=service_type,
        lat=point[0],
        lng=point[1],
        address=address,
        description="Rita Reporter says hello",
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
    )


@pytest.fixture
def setting(independence, trash, make_service_type, make_staff, spots):
    pothole = make_service_type(independence, "pothole", name="Pothole")
    a = _report(trash, spots["a"], "1 A St")
    b = _report(pothole, spots["b"], "2 B St")
    worker = make_staff(independence, Role.SUPERVISOR, department=trash.department)
    services.case_add_note(case=a, actor=worker, text="Internal: neighbour feud", public=False)
    services.case_close(case=a, actor=worker, note="Collected the sofa")
    return {"a": a, "b": b, "spots": spots}


def _atom(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return response.content.decode(), [e.find(f"{ATOM}title").text for e in entries]


def _rss(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.find(required) is not None
    items = channel.findall("item")
    for item in items:
        assert item.find("title") is not None and item.find("link") is not None and item.find("guid") is not None
    return response.content.decode(), [i.find("title").text for i in items]


def test_the_city_feeds_list_new_and_closed_reports_in_atom_and_rss(client, setting):
    a, b = setting["a"], setting["b"]
    for read, ext in ((_atom, "atom"), (_rss, "rss")):
        body, titles = read(client, f"/independence/feeds/new.{ext}")
        assert [t.split(":")[0] for t in titles] == [b.reference, a.reference]
        assert "Rita" not in body and "rita@example.org" not in body and "neighbour feud" not in body
        body, titles = read(client, f"/independence/feeds/closed.{ext}")
        assert [t.split(":")[0] for t in titles] == [a.reference] and "Collected the sofa" in body


def test_feeds_narrow_by_district_type_and_point(client, setting):
    a, b, spots = setting["a"], setting["b"], setting["spots"]
    _, titles = _atom(client, f"/independence/feeds/new.atom?district={spots['b_district'].pk}")
    assert [t.split(":")[0] for t in titles] == [b.reference]
    _, titles = _rss(client, "/independence/feeds/new.rss?type=trash")
    assert [t.split(":")[0] for t in titles] == [a.reference]
    lat, lng = spots["a"]
    _, titles = _atom(client, f"/independence/feeds/new.atom?lat={lat}&lng={lng}&radius=100")
    assert [t.split(":")[0] for t in titles] == [a.reference]


def test_bad_feed_parameters_are_a_400_that_names_them(client, setting):
    for query, words in (
        ("district=north", "district"),
        ("district=999999", "no district"),
        ("type=unicorns", "no problem type"),
        ("lat=abc&lng=1", "lat and lng"),
        ("lat=39&lng=-94&radius=999999", "radius"),
    ):
        response = client.get(f"/independence/feeds/new.atom?{query}")
        assert response.status_code == 400 and words in response.content.decode(), query
    assert client.get("/independence/feeds/other.atom").status_code == 404
    assert client.get("/nowhere/feeds/new.atom").status_code == 404


def test_the_browse_page_links_its_feeds(client, setting):
    html = client.get("/independence/requests/?type=trash").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/independence/feeds/new.atom?type=trash"' in html
    assert 'href="/independence/alerts/"' in html


@pytest.mark.parametrize(
    ("language", "radius", "words"),
    [
        ("en", 402, "within ¼\u00a0mile of"),
        ("es", 402, "a menos de ¼\u00a0milla de"),
        ("en", 100, "within about 350\u00a0ft of"),
    ],
)
def test_a_point_feed_is_titled_in_feet_or_miles(client, setting, language, radius, words):
    lat, lng = setting["spots"]["a"]
    response = client.get(
        f"/independence/feeds/new.atom?lat={lat}&lng={lng}&radius={radius}", HTTP_ACCEPT_LANGUAGE=language
    )
    title = ET.fromstring(response.content).find(f"{ATOM}title").text
    assert f"{words} {lat:.5f}, {lng:.5f}" in title
    assert " m of " not in title and " m de " not in title
