"""The five cities are in Missouri: the alert form offers its circles in feet and miles
("500 ft", "¼ mile" … "3 miles"), stored in meters within the service's limits, and a circle
asked in meters before ("1 km") is still said sensibly ("about 0.6 mile") and still accepted."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from civicdesk.core.templatetags.distances import at_the_point, feet_or_miles
from civicdesk.notifications.alerts import MAX_RADIUS_M, MIN_RADIUS_M
from civicdesk.notifications.models import RADIUS_WORDS, AlertOn, AreaKind, AreaSubscription, distance_words
from civicdesk.portal.alerts import OLD_RADII, AlertForm
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

ENGLISH = ["500\u00a0ft", "¼\u00a0mile", "½\u00a0mile", "1\u00a0mile", "2\u00a0miles", "3\u00a0miles"]
SPANISH = ["500\u00a0pies", "¼\u00a0milla", "½\u00a0milla", "1\u00a0milla", "2\u00a0millas", "3\u00a0millas"]
FEET, MILE = 0.3048, 1609.344


def options(html: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select name="radius_m".*?</select>', html, re.S).group(0)
    return [
        (value, label, "selected" in attrs)
        for value, attrs, label in re.findall(r'<option value="(\d+)"([^>]*)>([^<]*)</option>', select)
    ]


@pytest.mark.parametrize(("language", "labels"), [("en", ENGLISH), ("es", SPANISH)])
def test_the_form_offers_feet_and_miles_a_quarter_mile_first_chosen(client, independence, language, labels):
    html = client.get("/independence/alerts/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    offered = options(html)
    assert [label for _, label, _ in offered] == labels
    assert [label for _, label, selected in offered if selected] == [labels[1]]
    # Each stored distance is the one its words say, to the meter, and the service accepts it.
    said = [500 * FEET, MILE / 4, MILE / 2, MILE, 2 * MILE, 3 * MILE]
    for (value, _, _), exact in zip(offered, said, strict=True):
        assert abs(int(value) - exact) < 1
        assert MIN_RADIUS_M <= int(value) <= MAX_RADIUS_M
    assert not re.search(r"\d (m|km)\b", html)


def test_a_circle_chosen_in_feet_is_stored_in_meters(client, independence, outbox):
    lat, lng = INSIDE["independence"]
    data = {"email": "half@example.org", "on": AlertOn.NEW, "area": AreaKind.RADIUS, "lat": lat, "lng": lng}
    response = client.post("/independence/alerts/", {**data, "radius_m": 805})
    assert response.status_code == 200
    assert AreaSubscription.objects.get(email="half@example.org").radius_m == 805
    assert "within ½ mile of" in " ".join(outbox()[-1].body.split())


@pytest.mark.parametrize(
    ("meters", "words"), [(250, "about 800\u00a0ft"), (1000, "about 0.6\u00a0mile"), (5000, "about 3.1\u00a0miles")]
)
def test_a_metric_circle_from_before_is_still_accepted_and_kept_as_chosen(client, independence, meters, words):
    lat, lng = INSIDE["independence"]
    data = {"on": AlertOn.NEW, "area": AreaKind.RADIUS, "lat": lat, "lng": lng, "radius_m": meters}
    # A mistake elsewhere: the page comes back with the old circle still chosen, in words.
    html = client.post("/independence/alerts/", {**data, "email": "not an address"}).content.decode()
    assert (str(meters), words, True) in options(html)
    response = client.post("/independence/alerts/", {**data, "email": "old@example.org"})
    assert response.status_code == 200
    assert AreaSubscription.objects.get(email="old@example.org").radius_m == meters
    # Editing a stored subscription: the form shows its circle.
    form = AlertForm(initial={"radius_m": meters}, city=independence)
    assert (meters, words) in [(value, str(label)) for value, label in form.fields["radius_m"].choices]


def test_a_distance_never_offered_is_refused_in_words(client, independence):
    lat, lng = INSIDE["independence"]
    data = {"email": "x@example.org", "on": AlertOn.NEW, "area": AreaKind.RADIUS, "lat": lat, "lng": lng}
    response = client.post("/independence/alerts/", {**data, "radius_m": 300})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not AreaSubscription.objects.filter(email="x@example.org").exists()


@pytest.mark.parametrize(
    ("meters", "english", "spanish"),
    [
        (50, "about 150\u00a0ft", "aproximadamente 150\u00a0pies"),
        (250, "about 800\u00a0ft", "aproximadamente 800\u00a0pies"),
        (290, "about 950\u00a0ft", "aproximadamente 950\u00a0pies"),
        (300, "about 0.2\u00a0mile", "aproximadamente 0.2\u00a0millas"),
        (500, "about 0.3\u00a0mile", "aproximadamente 0.3\u00a0millas"),
        (1000, "about 0.6\u00a0mile", "aproximadamente 0.6\u00a0millas"),
        (1600, "about 1\u00a0mile", "aproximadamente 1\u00a0milla"),
        (2000, "about 1.2\u00a0miles", "aproximadamente 1.2\u00a0millas"),
        (10_000, "about 6.2\u00a0miles", "aproximadamente 6.2\u00a0millas"),
        (1609, "1\u00a0mile", "1\u00a0milla"),
    ],
)
def test_the_rule_for_other_circles_feet_under_a_thousand_then_tenths_of_a_mile(meters, english, spanish):
    with translation.override("en"):
        assert distance_words(meters) == english
    with translation.override("es"):
        assert distance_words(meters) == spanish


def test_every_old_form_distance_has_about_words():
    with translation.override("en"):
        assert [distance_words(m) for m in OLD_RADII] == [
            "about 800\u00a0ft",
            "about 0.3\u00a0mile",
            "about 0.6\u00a0mile",
            "about 1.2\u00a0miles",
            "about 3.1\u00a0miles",
        ]


@pytest.mark.parametrize(
    ("meters", "english", "spanish"),
    [
        # No "0 ft" or "10 ft" row: under 15 ft the sentences say "at the point" instead
        # (test_a_distance_under_15_ft_is_at_the_point); 4.6 m is the shortest said.
        (4.6, "20\u00a0ft", "20\u00a0pies"),
        (111, "360\u00a0ft", "360\u00a0pies"),
        (400, "0.2\u00a0mile", "0.2\u00a0millas"),
        (3000, "1.9\u00a0miles", "1.9\u00a0millas"),
    ],
)
def test_nearby_reports_and_similar_cases_say_feet_or_miles(meters, english, spanish):
    with translation.override("en"):
        assert feet_or_miles(meters) == english
    with translation.override("es"):
        assert feet_or_miles(meters) == spanish


@pytest.mark.parametrize(
    ("meters", "at"), [(None, False), (0, True), (3.0, True), (4.5, True), (4.58, False), (33, False)]
)
def test_a_distance_under_15_ft_is_at_the_point(meters, at):
    """Under 15 ft, what feet_or_miles would round to "0 ft" or "10 ft" and less than a phone's
    GPS can tell apart (about 16 ft), the pages say "at the point" instead of a distance."""
    assert at_the_point(meters) is at


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_alerts_number_and_unit_never_part_at_a_lines_end(language):
    """The alert's words keep a number and its unit together as every distance does (a no-break
    space, from the one formatter's rule): a phone never shows "800" at a line's end and "ft" on
    the next. The words themselves are the ones the form always offered."""
    with translation.override(language):
        said = [distance_words(m) for m in [*RADIUS_WORDS, *OLD_RADII, *range(10, 20_000, 37)]]
    units = r"(ft|miles?|pies|millas?)\b"
    for words in said:
        number_and_unit = re.search(r"[\d¼½]+(?:[.,]\d+)?(\s)" + units, words)
        assert number_and_unit is not None, words
        assert number_and_unit.group(1) == "\u00a0", words
    # Only the no-break space is new: read as a space, the form's words are the ones residents know.
    with translation.override(language):
        offered = [str(RADIUS_WORDS[m]).replace("\u00a0", " ") for m in RADIUS_WORDS]
    known = {"en": ["500 ft", "¼ mile", "½ mile", "1 mile", "2 miles", "3 miles"]}
    known["es"] = ["500 pies", "¼ milla", "½ milla", "1 milla", "2 millas", "3 millas"]
    assert offered == known[language]
