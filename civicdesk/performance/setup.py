"""The performance dashboard's part of a new member city's checklist (tenants' setup page).

A dashboard is the city's choice: the step is optional. It counts as done once the city has
adopted a plan (a PlanYear, with its goals and objectives) and has measures to show on it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicdesk.performance.models import Measure, PlanYear
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import SetupStep


def dashboard_steps(city: City) -> list[SetupStep]:
    plan = PlanYear.objects.filter(city=city).order_by("-fiscal_year").first()
    measures = Measure.objects.filter(city=city).count()
    if plan is None:
        detail = _("no plan yet: the public dashboard (/%(slug)s/performance/) has nothing to show") % {
            "slug": city.slug
        }
    else:
        detail = ngettext(
            "%(plan)s, %(n)d measure: /%(slug)s/performance/",
            "%(plan)s, %(n)d measures: /%(slug)s/performance/",
            measures,
        ) % {
            "plan": str(plan),
            "n": measures,
            "slug": city.slug,
        }
    return [
        SetupStep("dashboard", _("Performance dashboard"), plan is not None and measures > 0, detail, 70, optional=True)
    ]
