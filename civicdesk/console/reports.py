"""The console's Reports page: where a supervisor or an administrator finds the reports the
city sends to council and publishes (the Service Request Report, the operational report, the
performance dashboard), and, for the region, the collaborative ones.

The reports themselves are public pages of ``reports`` and ``performance``; this page only
points to them, with the city's overdue list (staff only) beside them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicdesk.accounts.models import Role, User
from civicdesk.console.common import staff_view, user_of
from civicdesk.tenants.models import City

# Who has Reports in the console's menu: those who answer for the figures. Call takers,
# workers and investigators work cases; the reports stay public pages they can reach from the
# site's footer.
REPORT_ROLES = frozenset({Role.SUPERVISOR, Role.CITY_ADMIN, Role.REGIONAL_ADMIN})


def sees_reports(user: User) -> bool:
    """Whether the console offers ``user`` its Reports page."""
    return user.is_active and user.role in REPORT_ROLES and (user.city_id is not None or user.is_regional_admin)


@require_GET
@staff_view
def reports(request: HttpRequest) -> HttpResponse:
    """Links to the city's reports (a regional administrator: the collaborative's and every
    member city's)."""
    user = user_of(request)
    if not sees_reports(user):
        raise PermissionDenied(_("Reports are offered to supervisors and administrators."))
    cities = list(City.objects.defer("boundary").order_by("name")) if user.is_regional_admin else []
    return render(request, "console/reports.html", {"cities": cities, "nav": "reports"})
