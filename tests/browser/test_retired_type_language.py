"""In Chromium, a retired type's option on the Spanish console keeps the type's name in its own
lang="en" element and "(retirado)" in the page's Spanish: the browser reads the option as one
text, "Trash/Rubbish (retirado)", shown in the closed list as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Channel
from tests.browser.conftest import open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_READ = """select => [...select.querySelectorAll('option')].filter(o => o.value === select.value).map(o => ({
  text: o.textContent,
  lang: o.closest('[lang]').lang,
  name: o.querySelector('span') && o.querySelector('span').textContent,
  nameLang: o.querySelector('span') && o.querySelector('span').lang,
}))[0]"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_retired_types_option_reads_its_name_in_english_and_retired_in_spanish(
    new_context: Any, site: str, trash: Any, make_staff: Any, width: int
) -> None:
    make_staff(trash.city, Role.SUPERVISOR, department=trash.department, username="sam")
    case = services.case_create(
        service_type=trash, city=trash.city, channel=Channel.PHONE, address="150 Main St", description="Sofa"
    )
    trash.active = False
    trash.save()
    context = new_context(
        viewport={"width": width, "height": 800}, locale="es", extra_http_headers={"Accept-Language": "es"}
    )
    page = open_page(context)
    page.goto(f"{site}/console/login/")
    sign_in(page, "sam")

    page.goto(f"{site}" + reverse("console:case", args=[case.city.slug, case.number]))
    chosen = page.eval_on_selector("#type-select", _READ)
    assert chosen == {"text": f"{trash.name} (retirado)", "lang": "es", "name": trash.name, "nameLang": "en"}
    page.locator("#type-select").scroll_into_view_if_needed()
    screenshot(page, f"console-retired-type-es-{width}")

    page.goto(f"{site}/console/?queue=all&service_type={trash.pk}")
    chosen = page.eval_on_selector("#id_service_type", _READ)
    assert chosen == {"text": f"{trash.name} (retirado)", "lang": "es", "name": trash.name, "nameLang": "en"}
    screenshot(page, f"console-list-retired-type-es-{width}")
    assert not page.errors
