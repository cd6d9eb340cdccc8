"""The confirmation's heading keeps the case's reference on one line on a phone: "Gracias: su
reporte es el IND-3455" once showed "IND-" at the end of a line and "3455" on the next, a number
then read out or copied down wrong. The heading still wraps between its words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW_PHONE = {"width": 360, "height": 800}
SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es"}}

# The reference's line tops, read from the text itself (a Range over the words in the
# heading), so the check does not depend on how the page marks the reference up.
REFERENCE_LINE_TOPS = """(ref) => {
  const heading = document.querySelector("h1");
  const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
  let text = "";
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, text.length]); text += n.data; }
  const at = text.indexOf(ref);
  if (at < 0) return null;
  const range = document.createRange();
  for (const [node, start] of nodes) {
    if (start <= at && at < start + node.data.length) range.setStart(node, at - start);
    const end = at + ref.length;
    if (start < end && end <= start + node.data.length) range.setEnd(node, end - start);
  }
  return Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top));
}"""


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Thank you: your report is {ref}"), ("es", "Gracias: su reporte es el {ref}")],
)
def test_the_confirmation_keeps_the_case_reference_on_one_line_on_a_phone(
    new_context, site, catalogue, cities, language, heading
):
    # A city well into its numbers: a four-digit reference, as every demo city has.
    City.objects.filter(pk=cities["independence"].pk).update(next_case_number=3455)
    page = open_page(new_context(viewport=NARROW_PHONE, **(SPANISH if language == "es" else {})))
    page.goto("/independence/report/")
    page.select_option("#id_service_type", value=str(catalogue["independence"]["graffiti"].pk))
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.locator("#report-map").click()
    page.fill("#id_description", "Paint on the bus shelter")
    page.locator("button.primary").click()
    page.wait_for_url("**/report/sent/**")

    case = ServiceRequest.objects.get()
    assert case.reference.endswith("-3455")
    expect(page.locator("h1")).to_have_text(heading.format(ref=case.reference))
    tops = page.locator("h1").evaluate(f"(h, ref) => ({REFERENCE_LINE_TOPS})(ref)", case.reference)
    assert tops, "the reference is not in the heading"
    assert len(set(tops)) == 1, f"the reference {case.reference} is split across lines: {tops}"
    # The heading still wraps between words on a phone: only the reference is held together.
    box = page.locator("h1").bounding_box()
    assert box is not None and box["width"] <= NARROW_PHONE["width"]
    screenshot(page, f"confirmation-reference-one-line-360-{language}")
    assert page.errors == []
