"""What a clerk reads on a new city's checklist (docs/onboarding.md): a step with nothing yet
says what it wants instead of a bare "0" (council districts), and the Open311 key, which only
an outside app needs, is optional, as the dashboard is: a city whose residents report on its
own pages and by email is not left with a step it can never finish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City, District
from civicdesk.tenants.selectors import SetupStep, city_setup_steps
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = pytest.mark.django_db

NO_DISTRICTS = (
    "none yet: the council's district map, or the template's one district, “Citywide”, for a council elected at large"
)
NO_KEY = "none: only an outside app that sends reports into the city needs one, each app its own"


def _steps(city: City) -> dict[str, SetupStep]:
    return {s.key: s for s in city_setup_steps(city=city)}


def _rows(html: str) -> dict[str, str]:
    return {key: html.split(f'class="step-{key} ', 1)[1].split("</tr>", 1)[0] for key in ("districts", "open311")}


def test_a_new_city_is_told_what_each_empty_step_wants(cities: dict[str, City]) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    steps = _steps(city)
    assert steps["districts"].detail == NO_DISTRICTS and not steps["districts"].done
    assert steps["open311"].detail == NO_KEY and steps["open311"].optional and not steps["open311"].done

    District.objects.create(city=city, name="Citywide", boundary=city.boundary)
    api_key_create(city=city, name="Grain Valley 311 app")
    steps = _steps(city)
    assert steps["districts"].detail == "1" and steps["districts"].done
    assert steps["open311"].detail == "1 active" and steps["open311"].done


def test_the_page_says_it_in_english_and_spanish(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])

    rows = _rows(client.get(url).content.decode().replace("&#x27;", "'"))
    assert NO_DISTRICTS in rows["districts"] and "Still to do" in rows["districts"]
    assert NO_KEY in rows["open311"] and "Optional" in rows["open311"] and "Still to do" not in rows["open311"]
    assert 'class="step-open311 optional"' in client.get(url).content.decode()

    spanish = _rows(client.get(url, headers={"Accept-Language": "es"}).content.decode())
    assert (
        "ninguno todavía: el mapa de distritos del concejo o, si el concejo se elige por toda la ciudad, el único "
        "distrito de la plantilla, “Citywide”"
    ) in spanish["districts"]
    assert (
        "ninguna: solo la necesita una aplicación externa que envíe reportes a la ciudad, cada aplicación la suya"
    ) in spanish["open311"]
    assert "Opcional" in spanish["open311"] and "Pendiente" not in spanish["open311"]

    api_key_create(city=city, name="Grain Valley 311 app")
    spanish = _rows(client.get(url, headers={"Accept-Language": "es"}).content.decode())
    assert "1 activa<" in spanish["open311"] and "Hecho" in spanish["open311"]
