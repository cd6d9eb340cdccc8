import pytest

from civicdesk.cases import services
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_a_report_in_independence_is_numbered_routed_and_acknowledged(trash, outbox):
    lat, lng = INSIDE["independence"]
    case = services.case_create(
        service_type=trash, lat=lat, lng=lng, description="Old sofa", reporter_email="r@example.org"
    )
    assert case.reference == "IND-1001"
    assert case.department.name == "CD-NEIGHBORHOOD SERVICES"
    assert case.district is not None
    sent = outbox()
    assert sorted(m.to[0] for m in sent) == ["neighborhood@independence.test", "r@example.org"]
