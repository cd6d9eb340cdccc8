"""``manage.py districts_import --replace`` says first what replacing the map would change, as
the admin's import page does, and saves nothing: the districts it would create, retire and
keep, where each retired district's residents' alerts go (or that they stay), and the command
that does it. ``--yes`` does it: the alerts move and each resident is emailed (read from a
real SMTP server on loopback). A bad file is refused in the operator's terms, nothing saved;
the command never asks a question, so it runs the same without a terminal (cron, CI)."""

from __future__ import annotations

import builtins
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import mapping

from civicdesk.notifications.models import AreaSubscription, OutboxMessage
from civicdesk.tenants import services
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_district_alerts_said_first import old_map  # noqa: F401  (a fixture)
from tests.admin.test_admin_district_cut import part
from tests.admin.test_admin_district_retired_alerts import alert, html_of, words

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("districts_import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write_wards(path: Path, wards: dict[str, Any]) -> Path:
    features = [
        {"type": "Feature", "properties": {"name": name, "number": n}, "geometry": mapping(geom)}
        for n, (name, geom) in enumerate(wards.items(), 1)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def current(city: City) -> list[str]:
    return sorted(District.objects.filter(city=city, retired_on__isnull=True).values_list("name", flat=True))


@pytest.fixture
def residents(independence: City, old_map: dict[str, District]) -> dict[str, AreaSubscription]:  # noqa: F811
    """An English-speaking resident's alert of West, two Spanish-speaking residents' of East."""
    return {
        "wes": alert(independence, old_map["West"], "wes@example.org"),
        "eve1": alert(independence, old_map["East"], "eve1@example.org", "es"),
        "eve2": alert(independence, old_map["East"], "eve2@example.org", "es"),
    }


@pytest.fixture
def wards(independence: City, tmp_path: Path) -> tuple[Path, str, str]:
    """A new map covering the old West with two wards (Ward 2 the most of it), and none of East."""
    city = independence
    west = part(city, 0, 0.5)
    geoms = {"Ward 1": part(city, 0, 0.2), "Ward 2": part(city, 0.2, 0.5)}
    most = f"{geoms['Ward 2'].intersection(west).area / west.area:.0%}"
    also = f"{geoms['Ward 1'].intersection(west).area / west.area:.0%}"
    return write_wards(tmp_path / "wards.geojson", geoms), most, also


def test_replace_without_yes_says_what_would_change_and_saves_nothing(independence, residents, wards, smtp_inbox):
    path, most, also = wards
    smtp_inbox()
    outbox_before = OutboxMessage.objects.count()
    today = services.city_today(independence).isoformat()

    out = run("--city", "independence", str(path), "--replace")

    assert out.splitlines() == [
        "Independence: nothing is imported yet. Importing wards.geojson would:",
        "  create 2 district(s): Ward 1 (1), Ward 2 (2);",
        f"  retire 2 district(s), kept with their cases: West (kept as “West (map until {today})”), "
        f"East (kept as “East (map until {today})”);",
        "  keep none of the current districts: new cases are placed on the new map only.",
        "Residents' alerts of the districts retired:",
        f"  1 resident's alert of West will move to “Ward 2”, which covers {most} of it; the resident is emailed "
        "what changed, with a link to change it.",
        f"  Also covering part of it, named in the email: “Ward 1” ({also}).",
        "  2 residents' alerts of East will stay on it, since no district covers it: they will tell of no new "
        "report. Each resident is emailed, with a link to change theirs.",
        "To replace the map, run:",
        f"  python manage.py districts_import --city independence {path} --replace --yes",
    ]
    assert current(independence) == ["East", "West"]
    assert not District.objects.filter(city=independence, name__startswith="Ward").exists()
    assert {a.district.name for a in AreaSubscription.objects.filter(pk__in=[a.pk for a in residents.values()])} == {
        "West",
        "East",
    }
    assert OutboxMessage.objects.count() == outbox_before
    assert smtp_inbox() == []


def test_a_dry_run_with_yes_still_saves_nothing(independence, residents, wards):
    path, _most, _also = wards
    out = run("--city", "independence", str(path), "--replace", "--yes", "--dry-run")
    assert out.startswith("Independence: nothing is imported yet.")
    assert current(independence) == ["East", "West"]


def test_replace_with_yes_replaces_the_map_moves_the_alerts_and_emails_each_resident(
    independence, residents, wards, smtp_inbox
):
    path, most, _also = wards
    smtp_inbox()
    today = services.city_today(independence).isoformat()

    out = run("--city", "independence", str(path), "--replace", "--yes")

    assert out.splitlines() == [
        "Independence: created 2 district(s): Ward 1 (1), Ward 2 (2).",
        f"Retired 2 district(s), kept with their cases: West (kept as “West (map until {today})”), "
        f"East (kept as “East (map until {today})”).",
        "1 resident's alert of West now follows “Ward 2”; the resident is emailed what changed.",
        "2 residents' alerts of East stay on it, since no district covers it; each resident is emailed.",
    ]
    assert current(independence) == ["Ward 1", "Ward 2"]
    residents["wes"].refresh_from_db()
    assert residents["wes"].district.name == "Ward 2"
    mail = {m.to: m for m in smtp_inbox()}
    assert set(mail) == {"wes@example.org", "eve1@example.org", "eve2@example.org"}
    day = services.city_today(independence)
    english = mail["wes@example.org"]
    assert english.message["Subject"] == "Your alerts of West now follow Ward 2 (Independence 311)"
    for text in (english.text(), words(html_of(english))):
        flat = " ".join(text.split())
        # Replaced by an imported map: the email says so.
        assert f"Independence has a new map of its districts: since {day:%B} {day.day}, {day.year}, West" in flat
        assert f"now follows Ward 2, the district that covers most of where West was ({most} of it)." in flat
        assert "Ward 1 covers part of it too." in flat
    for text in (mail["eve1@example.org"].text(), words(html_of(mail["eve1@example.org"]))):
        flat = " ".join(text.split())
        assert "Independence tiene un nuevo mapa de sus distritos" in flat
        assert "Ningún distrito del nuevo mapa cubre donde estaba East" in flat


@pytest.mark.parametrize("extra", [[], ["--yes"]])
def test_a_bad_file_is_refused_in_the_operators_terms_and_nothing_is_saved(
    independence, residents, tmp_path, extra, smtp_inbox
):
    smtp_inbox()
    broken = tmp_path / "wards.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("--city", "independence", str(broken), "--replace", *extra)
    assert str(caught.value).startswith(
        "wards.geojson: nothing was imported.\n  wards.geojson is not a GeoJSON file: it is not valid JSON ("
    )
    unnamed = write_wards(tmp_path / "unnamed.geojson", {"": part(independence, 0, 1)})
    with pytest.raises(CommandError) as caught:
        run("--city", "independence", str(unnamed), "--replace", *extra)
    assert str(caught.value) == "unnamed.geojson: nothing was imported.\n  Feature 1 has no value for “name”."
    assert current(independence) == ["East", "West"]
    assert AreaSubscription.objects.filter(district__name__in=["West", "East"]).count() == 3
    assert smtp_inbox() == []


class NoTerminal(io.StringIO):
    """Standard input as cron or CI gives it: nothing to read, and reading it is a mistake here."""

    def read(self, *args: Any) -> str:
        raise AssertionError("the command read standard input")

    def readline(self, *args: Any) -> str:
        raise AssertionError("the command read standard input")

    def isatty(self) -> bool:
        return False


def test_without_standard_input_it_never_asks(independence, residents, wards, monkeypatch):
    path, _most, _also = wards
    monkeypatch.setattr(sys, "stdin", NoTerminal())

    def no_question(*args: Any) -> str:
        raise AssertionError("the command asked a question")

    monkeypatch.setattr(builtins, "input", no_question)

    told = run("--city", "independence", str(path), "--replace")
    assert told.rstrip().endswith("--replace --yes")
    assert current(independence) == ["East", "West"]
    run("--city", "independence", str(path), "--replace", "--yes")
    assert current(independence) == ["Ward 1", "Ward 2"]


def test_a_resident_with_two_alerts_of_a_district_is_counted_once_among_those_emailed(
    independence, residents, wards, smtp_inbox
):
    path, _most, _also = wards
    alert(independence, residents["eve1"].district, "EVE1@example.org", "es")  # a second alert of East, same address
    smtp_inbox()

    out = run("--city", "independence", str(path), "--replace")

    assert (
        "  3 residents' alerts of East will stay on it, since no district covers it: they will tell of no new report. "
        "Each resident is emailed, with a link to change theirs.\n"
        "  They belong to 2 residents; each gets one email.\n"
    ) in out
    run("--city", "independence", str(path), "--replace", "--yes")
    assert sorted(m.to for m in smtp_inbox()) == ["eve1@example.org", "eve2@example.org", "wes@example.org"]
