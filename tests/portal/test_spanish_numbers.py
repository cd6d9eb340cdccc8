"""The Spanish catalog's sentences write their numbers as the Spanish pages do (config/formats/
es): as our Spanish-speaking residents read them, in Missouri as in Mexico, with a comma
between thousands ("10,000 caracteres"), not Spain's "10.000" or "10 000". The pages' own
figures are checked where they are drawn (tests/reports: the Service Request Report's table
and chart, the regional comparison, core/svgchart)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings


def test_the_catalog_writes_a_thousand_as_the_english_does() -> None:
    po = (Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.po").read_text()
    wrong = [m.group(0) for m in re.finditer(r"\d(?:\.|\xa0| )\d{3}\b(?![.,]\d)", po)]
    assert not wrong, wrong
    thousands = re.findall(r"\b\d{1,3}(?:,\d{3})+\b", po)
    assert thousands  # the catalog does write such numbers ("10,000 caracteres")
