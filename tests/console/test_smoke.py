import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(signed_in, supervisor, report, pothole):
    case = report()
    c = signed_in(supervisor)
    for url in [reverse("console:home"), reverse("console:new"), reverse("console:overdue"), reverse("console:case", args=["independence", case.number]), reverse("console:home") + "?queue=all&sort=-due"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
