""" "Retire" says what retiring will do before anything is retired, in the notice the import's
and the upload's previews use ("Check before retiring: …", the admin's warning colours, not the
red summary), with the day and the button that retires in it: the district's open cases (they
keep it), its residents' alerts and how many residents are emailed, where new cases in its area
go (the districts still covering part of it, or none); a district with nothing attached says so
in one line. English and Spanish."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicdesk.cases import services as case_services
from civicdesk.tenants import services
from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_district_cut import part
from tests.admin.test_admin_district_previews import notice, summary
from tests.admin.test_admin_district_retire import demo_district, point_in, retire_url
from tests.admin.test_admin_district_retired_alerts import alert
from tests.admin.test_admin_districts import without_the_demo_map

pytestmark = pytest.mark.django_db


def lines(said: str) -> list[str]:
    """The notice's lines as read: each item's text, its entities undone."""
    items = re.findall(r"<li>(.*?)</li>", said, re.S)
    return [re.sub(r"\s+", " ", item.replace("&#x27;", "'")).strip() for item in items]


def file_in(district: District, trash, description: str):
    lat, lng = point_in(district)
    case = case_services.case_create(service_type=trash, lat=lat, lng=lng, description=description)
    assert case.district_id == district.pk
    return case


def test_retire_says_what_happens_to_the_open_cases_the_alerts_and_new_cases_with_its_button(login, city_admin, trash):
    city = city_admin.city
    second = demo_district(city, 2)
    file_in(second, trash, "Bags by the curb")
    file_in(second, trash, "A mattress in the alley")
    done = file_in(second, trash, "An old sofa")
    case_services.case_close(case=done, actor=city_admin, note="Picked up")  # closed: not counted
    alert(city, second, "ann@example.org")
    alert(city, second, "ANN@example.org", "es")  # one resident, two alerts
    alert(city, second, "ben@example.org")
    alert(city, second, "not-yet@example.org", confirmed=False)  # not at work: not counted
    client = login(city_admin)

    page = client.get(retire_url(second)).content.decode()

    assert "data-error-summary" not in page and not re.search(r"<title>Error:", page)
    said = notice(page)
    assert (
        '<h2 id="retire-preview-heading">Check before retiring: nothing is retired yet, and retiring will do this.</h2>'
    ) in said
    assert lines(said) == [
        "2 open cases filed in District 2 keep it: they are worked as before, and the reports count them there.",
        "3 residents' alerts of District 2 will stay on it, since no district covers it: they will tell of no new "
        "report. Each resident is emailed, with a link to change theirs.",
        "They belong to 2 residents; each gets one email.",
        "No district still on the map covers any of its area: a new case there is placed in no district until one "
        "does (add it, or import the new map).",
    ]
    # The day, then the button that retires, are in the notice, inside the page's form.
    today = services.city_today(city)
    assert f'name="retired_on" value="{today.isoformat()}"' in said
    assert '<input type="submit" name="retire" class="default" value="Retire">' in said
    assert (
        f'<a href="{reverse("admin:tenants_district_change", args=[second.pk])}" class="closelink">Cancel</a>' in said
    )
    assert re.search(
        r'<form method="post" novalidate id="district-retire-form">\s*<input type="hidden" name="csrfmiddlewaretoken"',
        page,
    )

    spanish = notice(client.get(retire_url(second), HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert "Revise antes de retirar: todavía no se retira nada, y el retiro hará esto." in spanish
    assert lines(spanish)[0] == (
        "2 casos abiertos presentados en District 2 lo conservan: se siguen atendiendo como antes, y los informes "
        "los cuentan allí."
    )
    assert "Pertenecen a 2 residentes; cada uno recibe un solo correo." in lines(spanish)
    assert lines(spanish)[-1] == (
        "Ningún distrito que sigue en el mapa cubre parte de su superficie: un caso nuevo allí no queda en ningún "
        "distrito hasta que uno la cubra (agréguelo, o importe el nuevo mapa)."
    )
    assert 'value="Retirar"' in spanish

    # Nothing is retired by asking: the button does it, and the page then says what was done.
    second.refresh_from_db()
    assert second.retired_on is None
    response = client.post(retire_url(second), {"retired_on": today.isoformat(), "retire": "Retire"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.retired_on == today


def test_a_district_with_nothing_attached_says_so_in_one_line(login, city_admin, trash):
    city = city_admin.city
    fourth = demo_district(city, 4)
    done = file_in(fourth, trash, "Bags by the curb")
    case_services.case_close(case=done, actor=city_admin, note="Picked up")  # history, not attached
    alert(city, fourth, "not-yet@example.org", confirmed=False)
    client = login(city_admin)

    english = notice(client.get(retire_url(fourth)).content.decode())
    assert lines(english) == [
        "Nothing is attached to District 4: no open case, no resident's alert. Retiring it moves nothing and "
        "emails nobody."
    ]
    spanish = notice(client.get(retire_url(fourth), HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert lines(spanish) == [
        "Nada está ligado a District 4: ningún caso abierto, ninguna alerta de residentes. Retirarlo no mueve nada "
        "ni envía correos a nadie."
    ]


def _west_with_wards_over_part_of_it(city: City) -> tuple[District, dict[str, float]]:
    """West, the city's west half; then two wards over 60% of it, written before the map's
    checks (as a district laid over another by a script is): the case where districts still on
    the map cover part of one retired by hand."""
    without_the_demo_map(city)
    [west] = services.district_import(city=city, shapes=[DistrictShape("West", 1, part(city, 0, 0.5))])
    area = part(city, 0, 0.5)
    wards = {"Ward 7": part(city, 0.2, 0.5), "Ward 8": part(city, 0.1, 0.2)}
    for n, (name, geom) in enumerate(wards.items(), 7):
        District.objects.create(city=city, name=name, number=n, boundary=DistrictShape(name, n, geom).boundary)
    return west, {name: geom.intersection(area).area / area.area for name, geom in wards.items()}


def test_the_districts_still_covering_part_of_it_are_named_with_where_its_alerts_go(login, city_admin):
    city = city_admin.city
    west, shares = _west_with_wards_over_part_of_it(city)
    alert(city, west, "wes@example.org")
    words = {name: services.share_words(share) for name, share in shares.items()}
    rest = services.share_words(1 - sum(shares.values()))
    client = login(city_admin)

    said = lines(notice(client.get(retire_url(west)).content.decode()))

    assert said == [
        f"1 resident's alert of West will move to “Ward 7”, which covers {shares['Ward 7']:.0%} of it; the resident "
        "is emailed what changed, with a link to change it.",
        f"Also covering part of it, named in the email: “Ward 8” ({shares['Ward 8']:.0%}).",
        "New cases in its area go to the districts still on the map that cover parts of it: "
        f"“Ward 7” ({words['Ward 7']}), “Ward 8” ({words['Ward 8']}). The rest of it ({rest}) is in no district "
        "until one covers it.",
    ]
    spanish = lines(notice(client.get(retire_url(west), HTTP_ACCEPT_LANGUAGE="es").content.decode()))
    assert spanish[-1] == (
        "Los casos nuevos en su superficie van a los distritos que siguen en el mapa y cubren partes de ella: "
        f"“Ward 7” ({words['Ward 7']}), “Ward 8” ({words['Ward 8']}). El resto ({rest}) no queda en ningún "
        "distrito hasta que uno lo cubra."
    )


def test_the_lists_action_says_it_for_each_district_under_its_name(login, city_admin, trash):
    city = city_admin.city
    one, two = demo_district(city, 1), demo_district(city, 2)
    file_in(one, trash, "Bags by the curb")
    chosen = {"action": "retire_districts", "_selected_action": [str(one.pk), str(two.pk)]}

    page = login(city_admin).post(reverse("admin:tenants_district_changelist"), {**chosen, "index": "0"})

    said = notice(page.content.decode())
    groups = re.findall(r"<h3>(.*?)</h3>\s*<ul>(.*?)</ul>", said, re.S)
    assert [title for title, _items in groups] == ["District 1", "District 2"]
    assert lines(groups[0][1])[0] == (
        "1 open case filed in District 1 keeps it: it is worked as before, and the reports count it there."
    )
    assert lines(groups[1][1]) == [
        "Nothing is attached to District 2: no open case, no resident's alert. Retiring it moves nothing and "
        "emails nobody."
    ]
    # The list's action is sent again with the day: the chosen districts go with the button.
    assert 'name="action" value="retire_districts"' in page.content.decode()


def test_a_day_refused_is_in_the_red_summary_and_the_notice_keeps_the_day_typed(login, city_admin, trash):
    city = city_admin.city
    second = demo_district(city, 2)
    file_in(second, trash, "Bags by the curb")
    tomorrow = services.city_today(city).toordinal() + 1
    day = type(services.city_today(city)).fromordinal(tomorrow).isoformat()

    response = login(city_admin).post(retire_url(second), {"retired_on": day, "retire": "Retire"})

    page = response.content.decode()
    assert "A district is retired today or on a day already past" in summary(page)
    assert re.search(r"<title>Error:", page)
    said = notice(page)
    assert f'value="{day}"' in said and "1 open case filed in District 2 keeps it" in said
    second.refresh_from_db()
    assert second.retired_on is None


def test_once_retired_the_message_names_its_open_cases_in_the_notices_words_english_and_spanish(
    login, city_admin, trash
):
    city = city_admin.city
    one, two, four = demo_district(city, 1), demo_district(city, 2), demo_district(city, 4)
    file_in(one, trash, "Bags by the curb")
    file_in(two, trash, "Bags by the curb")
    file_in(two, trash, "A mattress in the alley")
    done = file_in(four, trash, "An old sofa")
    case_services.case_close(case=done, actor=city_admin, note="Picked up")  # closed: not said
    client = login(city_admin)
    on = services.city_today(city).isoformat()

    before = lines(notice(client.get(retire_url(two)).content.decode()))[0]
    response = client.post(retire_url(two), {"retired_on": on, "retire": "Retire"})
    assert response.status_code == 302
    two.refresh_from_db()
    assert [str(m) for m in response.wsgi_request._messages] == [
        f"District 2 was retired on {on}, as “{two.name}”: its cases keep it; new cases are not placed in it. {before}"
    ]
    assert before == (
        "2 open cases filed in District 2 keep it: they are worked as before, and the reports count them there."
    )
    client.get(response["Location"])  # the page that shows them, once

    # The list's action, in Spanish: one message for each district, with its own open cases or none.
    chosen = {"action": "retire_districts", "_selected_action": [str(one.pk), str(four.pk)]}
    response = client.post(
        reverse("admin:tenants_district_changelist"),
        {**chosen, "index": "0", "retired_on": on, "retire": "Retirar"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302
    one.refresh_from_db()
    four.refresh_from_db()
    assert [str(m) for m in response.wsgi_request._messages] == [
        f"District 1 se retiró el {on}, como “{one.name}”: sus casos lo conservan; los casos nuevos no se ubican "
        "en él. 1 caso abierto presentado en District 1 lo conserva: se sigue atendiendo como antes, y los "
        "informes lo cuentan allí.",
        f"District 4 se retiró el {on}, como “{four.name}”: sus casos lo conservan; los casos nuevos no se ubican "
        "en él.",
    ]
