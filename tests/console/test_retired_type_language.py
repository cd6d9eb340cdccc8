"""A retired type is offered as "Trash/Rubbish (retirado)" on a Spanish console page (the case
page's type list, the case list's filter): the type's name, as the city typed it, inside
lang="en", and the product's word "(retirado)" outside it, in the page's language, so a
screen reader reads each in its own (WCAG 3.1.2). In English the option is as it was."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from civicdesk.catalog.models import ServiceType
from tests.portal.test_language_of_parts import texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def retired(report: Any, trash: ServiceType) -> Any:
    """A case of a type the city has since retired."""
    case = report()
    trash.active = False
    trash.save()
    return case


def _options(html: str, select_id: str) -> str:
    start = html.index(f'id="{select_id}"')
    return html[start : html.index("</select>", start)]


def _read(html: str, page: str) -> list[tuple[str, str]]:
    return texts(html, page=page)


def test_the_spanish_case_page_marks_the_retired_types_name_and_not_the_word_retired(
    signed_in: Any, supervisor: Any, retired: Any, trash: ServiceType
) -> None:
    client = signed_in(supervisor)
    client.cookies["django_language"] = "es"
    html = client.get(reverse("console:case", args=[retired.city.slug, retired.number])).content.decode()
    select = _options(html, "type-select")
    assert f'<option value="{trash.pk}" selected><span lang="en">{trash.name}</span> (retirado)</option>' in select
    found = _read(select, "es")
    assert (trash.name, "en") in found and ("(retirado)", "es") in found
    assert ("(retirado)", "en") not in found


def test_the_spanish_case_lists_filter_marks_the_retired_types_name_only(
    signed_in: Any, supervisor: Any, retired: Any, trash: ServiceType
) -> None:
    client = signed_in(supervisor)
    client.cookies["django_language"] = "es"
    html = client.get("/console/?queue=all").content.decode()
    group = re.search(r'<optgroup label="Tipos retirados">(.*?)</optgroup>', html)
    assert group is not None
    assert group.group(1) == f'<option value="{trash.pk}"><span lang="en">{trash.name}</span> (retirado)</option>'
    found = _read(group.group(0), "es")
    assert found == [("Tipos retirados", "es"), (trash.name, "en"), ("(retirado)", "es")]
    # Chosen, it is still the filter's choice, and lists the type's cases.
    listed = client.get(f"/console/?queue=all&service_type={trash.pk}").content.decode()
    assert f'<option value="{trash.pk}" selected><span lang="en">{trash.name}</span> (retirado)</option>' in listed
    assert retired.reference in listed


def test_in_english_the_retired_option_is_plain_text(
    signed_in: Any, supervisor: Any, retired: Any, trash: ServiceType
) -> None:
    client = signed_in(supervisor)
    case_page = client.get(reverse("console:case", args=[retired.city.slug, retired.number])).content.decode()
    assert f'<option value="{trash.pk}" selected>{trash.name} (retired)</option>' in _options(case_page, "type-select")
    html = client.get("/console/?queue=all").content.decode()
    assert f'<option value="{trash.pk}">{trash.name} (retired)</option>' in html
    assert "<span" not in _options(html, "id_service_type")


def test_a_retired_name_with_markup_characters_is_escaped_once(
    signed_in: Any, supervisor: Any, retired: Any, trash: ServiceType
) -> None:
    trash.name = "Bulk <items> & more"
    trash.save()
    client = signed_in(supervisor)
    client.cookies["django_language"] = "es"
    html = client.get("/console/?queue=all").content.decode()
    escaped = "Bulk &lt;items&gt; &amp; more"
    assert f'<option value="{trash.pk}"><span lang="en">{escaped}</span> (retirado)</option>' in html
    case_page = client.get(reverse("console:case", args=[retired.city.slug, retired.number])).content.decode()
    assert f'selected><span lang="en">{escaped}</span> (retirado)</option>' in case_page
