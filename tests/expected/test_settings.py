"""The city's Likely late threshold."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicdesk.expected import selectors
from civicdesk.expected.models import ExpectedSettings
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def test_the_threshold_is_the_citys_own_or_one_half(independence: City, raytown: City) -> None:
    assert selectors.likely_late_threshold(independence) == 0.5
    ExpectedSettings.objects.create(city=independence, likely_late_threshold=0.7)
    assert selectors.likely_late_threshold(independence) == 0.7
    assert selectors.likely_late_threshold(raytown) == 0.5


def test_a_threshold_is_a_probability(independence: City) -> None:
    with pytest.raises(ValidationError):
        ExpectedSettings(city=independence, likely_late_threshold=1.5).full_clean()


def test_a_city_without_a_model_lists_no_case_as_likely_late(independence: City) -> None:
    assert selectors.likely_late(independence) == []
