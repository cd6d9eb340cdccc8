"""A fraud hotline (a confidential type) and an ordinary type in Independence, with its
investigators and its ordinary staff."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from tests.conftest import INSIDE


@pytest.fixture
def hotline(independence, make_service_type, make_department):
    unit = make_department(independence, "Fraud unit", email="fraud-unit@independence.test")
    return make_service_type(
        independence, "fraud", name="Fraud, waste or abuse hotline", department=unit, is_confidential=True
    )


@pytest.fixture
def investigator(independence, hotline, make_staff):
    return make_staff(independence, Role.INVESTIGATOR, department=hotline.department, is_staff=True)


@pytest.fixture
def tip(hotline):
    """A confidential report with a place and a reporter who gave an email."""

    def make(**kw: Any):
        lat, lng = INSIDE["independence"]
        kw.setdefault("service_type", hotline)
        kw.setdefault("lat", lat)
        kw.setdefault("lng", lng)
        kw.setdefault("address", "223 N Memorial Dr")
        kw.setdefault("description", "The contractor bills for hours never worked")
        kw.setdefault("reporter_email", "whistle@example.org")
        kw.setdefault("reporter_name", "Wanda Whistle")
        return services.case_create(**kw)

    return make
