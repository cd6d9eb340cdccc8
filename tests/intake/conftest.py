from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pothole(independence: City, make_service_type: Any) -> ServiceType:
    return make_service_type(independence, "pothole", name="Pothole", target_days=3)


@pytest.fixture
def street_light(independence: City, make_service_type: Any) -> ServiceType:
    return make_service_type(
        independence, "street-light-out", name="Street light out", keywords="lamp post, dark street"
    )


@pytest.fixture
def catalogue(pothole: ServiceType, street_light: ServiceType, trash: ServiceType) -> dict[str, ServiceType]:
    return {"pothole": pothole, "street-light-out": street_light, "trash": trash}


def triage_code() -> str:
    return settings.INTAKE_TRIAGE_SERVICE_CODE
