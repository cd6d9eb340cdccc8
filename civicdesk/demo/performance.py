"""The performance dashboard's demo: Independence's strategic plan (seed 002), the seven
measures of its FY2018 first-quarter press release (seed 003) with their real targets,
actuals and narratives, and measures computed from the demo's cases.

The seed-003 values go through the real workflow (entered by the department, submitted,
approved and published by the city administrator, or in a city without one by the demo's
reviewer account, inactive once it has), each step at its historical moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from civicdesk.accounts.models import Role, User
from civicdesk.core import clock
from civicdesk.performance import periods, services
from civicdesk.performance.models import (
    DashboardSettings,
    Goal,
    Measure,
    MeasureTarget,
    Objective,
    PlanYear,
)
from civicdesk.tenants.models import City, Department, Region
from civicdesk.tenants.services import city_today

CITY = "independence"
PLAN_TITLE = "Independence for All"
PURPOSE = (
    "Our quality neighborhoods, 21st century jobs, growing economy, safe, family-friendly community, and "
    "cultural diversity makes Independence, Missouri a nationally recognized city with a unique history and "
    "sense of place."
)
MISSION = "Transforming our community through engagement, innovation, and sustainable services."

# Seed 002: goal → (statement, objectives). Objectives marked True are the 2021 top priorities.
GOALS: list[tuple[str, str, list[tuple[str, bool]]]] = [
    (
        "Customer-Focused",
        "Improve customer service and communication",
        [
            ("Improve customer experience and service", False),
            ("Communicate more effectively internally and externally", True),
        ],
    ),
    (
        "Financially Sustainable",
        "Ensure City finances are stable and sustainable",
        [
            ("Control long-term costs", False),
            ("Increase efficient use of financial and human resources", False),
            ("Improve long-range financial planning and decision-making", False),
        ],
    ),
    (
        "Growth",
        "Increase economic prosperity of the community",
        [("Attract and retain quality employers", False), ("Grow business and industry", False)],
    ),
    (
        "Quality",
        "Achieve livability, choice, access, health and safety through a quality built environment",
        [
            ("Reduce blight", True),
            ("Improve visual appearance", False),
            ("Improve public infrastructure and facilities", False),
            ("Reduce crime and disorder", True),
            ("Increase perception of safety", False),
            ("Enhance public health", True),
            ("Stabilize and revitalize neighborhoods", True),
        ],
    ),
]


@dataclass(frozen=True)
class SeedMeasure:
    key: str
    name: str
    definition: str
    objective: str
    department: str
    unit: str
    direction: str
    strict: bool
    target: Decimal
    split_rule: str
    actual: Decimal | None = None  # FY2018 Q1, from seed 003
    narrative: str = ""
    display: str = "decimal"
    target_display: str = ""
    decimals: int = 0
    tolerance: Decimal = Decimal(0)
    computation: str = ""
    codes: tuple[str, ...] = ()
    department_report: str = ""  # the key of the seed measure it is computed for


MIN = Decimal(60)
SEED_003 = [
    SeedMeasure(
        "code-enforcement-inspected",
        "% of Code Enforcement cases inspected in 5 days or less",
        "The share of code enforcement cases reported whose first inspection came within five days.",
        "Reduce blight",
        "neighborhood-services",
        "percent",
        "higher",
        False,
        Decimal(75),
        "every_period",
        Decimal(81),
        "The goal for this benchmark was that 75% of cases reported were inspected in five days or less, and the "
        "results for the first quarter were 81%.",
        tolerance=Decimal(5),
    ),
    SeedMeasure(
        "dangerous-buildings-demolished",
        "Dangerous buildings demolished by the City",
        "The number of dangerous buildings demolished by the City as part of the objective to reduce blight.",
        "Reduce blight",
        "neighborhood-services",
        "count",
        "higher",
        False,
        Decimal(20),
        "even",
        Decimal(5),
        "The goal is the demolition of five buildings each quarter, with a total of 20 each year. We are on track "
        "with five in the first quarter and many already identified for the second quarter.",
        tolerance=Decimal(1),
    ),
    SeedMeasure(
        "new-jobs",
        "New jobs created with the help of the Independence Economic Development Council",
        "The number of new jobs created in the community with the help and support of the Independence Economic "
        "Development Council.",
        "Attract and retain quality employers",
        "managers-office",
        "count",
        "higher",
        False,
        Decimal(965),
        "even",
        Decimal(342),
        "The goal is to have 965 new jobs created each year. There were already 342 jobs created in the first quarter.",
    ),
    SeedMeasure(
        "utility-call-answer",
        "Average time to answer a call at the Utility Customer Service Center",
        "The average time it takes for a customer service representative at the Utility Customer Service Center "
        "to answer a customer call.",
        "Improve customer experience and service",
        "water-customer-service",
        "minutes",
        "lower",
        False,
        5 * MIN,
        "every_period",
        Decimal("8.53") * MIN,
        "The Utilities Customer Service Center received nearly 60,000 calls in the first quarter. Longer wait "
        "times are attributed to staff turnover and training. Three new account reps will finish their training "
        "in December. The department continues to monitor this goal closely and will take further actions after "
        "training to ensure goals are met.",
        decimals=2,
        tolerance=Decimal(20),
    ),
    SeedMeasure(
        "animal-calls-held-over",
        "% of animal services calls held over to the following business day",
        "The percentage of animal services calls that are held over to the following business day.",
        "Enhance public health",
        "animal-services",
        "percent",
        "lower",
        True,
        Decimal(5),
        "every_period",
        Decimal(15),
        "This is due to the high volume of calls normally experienced during summer months in addition to "
        "reduced staffing.",
        tolerance=Decimal(2),
    ),
    SeedMeasure(
        "fire-response",
        "Fire Department response time (dispatch to arrival)",
        "The time elapsed from when the Fire Department is dispatched to when the first personnel arrive on "
        "scene (average).",
        "Increase perception of safety",
        "fire-administration",
        "minutes",
        "lower",
        True,
        6 * MIN + 20,
        "every_period",
        Decimal("7.78") * MIN,
        "Over the past five fiscal years, the Fire Department has seen an increase in total calls of 20 percent. "
        "As the City looks to the future, considerations around additional staffing and an increased number of "
        "fire apparatus will need to be considered, as well as an analysis of deployment and call response times.",
        decimals=2,
        target_display="clock",
        tolerance=Decimal(30),
    ),
    SeedMeasure(
        "police-response",
        "Police Department response time (dispatch to arrival)",
        "The time elapsed between when the Police Department is dispatched to officer arrival on scene "
        "(average). The target is the national average of 5 minutes.",
        "Reduce crime and disorder",
        "police-patrol",
        "minutes",
        "lower",
        False,
        5 * MIN,
        "every_period",
        8 * MIN + 37,
        "During the first quarter, the Police Department was working to resolve 15 vacancies and responded to 28 "
        "gun-related calls in the month of August alone. Many of the calls were labor intensive, which kept "
        "officers on the scenes longer. In spite of the staffing shortage, 8:37 is an improvement over the first "
        "quarter of the previous fiscal year.",
        display="clock",
        tolerance=Decimal(30),
    ),
]

CE_CODES = (
    "ce-trash",
    "ce-excessive-vegetation",
    "ce-open-storage",
    "ce-non-operable-vehicle",
    "ce-property-maintenance",
    "ce-zoning",
    "ce-signs",
    "ce-dangerous-building",
    "ce-parking-unapproved-surface",
    "ce-rental-inspection",
)
COMPUTED = [
    SeedMeasure(
        "ce-inspected-live",
        "% of Code Enforcement cases inspected in 5 days or less (live from 311 cases)",
        "The same benchmark, computed every night from the service requests themselves.",
        "Reduce blight",
        "neighborhood-services",
        "percent",
        "higher",
        False,
        Decimal(75),
        "every_period",
        tolerance=Decimal(5),
        computation="code_enforcement_inspected",
        codes=CE_CODES,
        department_report="code-enforcement-inspected",
    ),
    SeedMeasure(
        "animal-held-over-live",
        "% of animal services calls held over to the next business day (live from 311 cases)",
        "The same benchmark, computed every night from the service requests themselves.",
        "Enhance public health",
        "animal-services",
        "percent",
        "lower",
        True,
        Decimal(5),
        "every_period",
        tolerance=Decimal(2),
        computation="animal_calls_held_over",
        codes=("animal-stray", "animal-dead", "animal-barking", "animal-wildlife"),
        department_report="animal-calls-held-over",
    ),
    SeedMeasure(
        "potholes-median-days",
        "Median days to close a pothole report",
        "Half of the pothole reports closed in the period were closed within this many days.",
        "Improve public infrastructure and facilities",
        "street-maintenance",
        "days",
        "lower",
        False,
        Decimal(3 * 86400),
        "every_period",
        decimals=1,
        tolerance=Decimal(86400),
        computation="potholes_median_days_to_close",
        codes=("pothole",),
    ),
    SeedMeasure(
        "street-closed-within-target",
        "% of street maintenance requests closed within their target time",
        "The share of street maintenance requests (potholes, street debris, sinkholes, curbs and gutters) "
        "closed by their due date.",
        "Improve customer experience and service",
        "street-maintenance",
        "percent",
        "higher",
        False,
        Decimal(80),
        "every_period",
        tolerance=Decimal(10),
        computation="closed_within_target",
        codes=("pothole", "street-debris", "sinkhole", "curb-gutter"),
    ),
]


def _plan(city: City, fiscal_year: int, *, priorities: bool) -> dict[str, Objective]:
    plan, _ = PlanYear.objects.get_or_create(
        city=city, fiscal_year=fiscal_year, defaults={"title": PLAN_TITLE, "purpose": PURPOSE, "mission": MISSION}
    )
    objectives: dict[str, Objective] = {}
    for g_order, (name, statement, items) in enumerate(GOALS):
        goal, _ = Goal.objects.get_or_create(
            plan_year=plan, name=name, defaults={"statement": statement, "order": g_order}
        )
        for o_order, (objective_name, top) in enumerate(items):
            objective, _ = Objective.objects.get_or_create(
                goal=goal,
                name=objective_name,
                defaults={"order": o_order, "is_top_priority": top and priorities},
            )
            objectives[objective_name] = objective
    return objectives


def _measure(city: City, spec: SeedMeasure, order: int) -> Measure:
    department = Department.objects.filter(city=city, code=spec.department).first()
    measure, _ = Measure.objects.get_or_create(
        city=city,
        name=spec.name,
        defaults={
            "definition": spec.definition,
            "department": department,
            "unit": spec.unit,
            "display_format": spec.display,
            "target_display_format": spec.target_display,
            "decimals": spec.decimals,
            "direction": spec.direction,
            "target_is_strict": spec.strict,
            "tolerance": spec.tolerance,
            "source": "computed" if spec.computation else "entered",
            "computation": spec.computation,
            "service_codes": list(spec.codes),
            "order": order,
        },
    )
    measure.full_clean()
    return measure


# The demo's reviewer of the plan's values in a city without an administrator (the demo's
# performance data loaded without its staff): an account of the demo, not a person. It is
# active only while it approves and publishes the values; then it cannot sign in, is emailed
# nothing, is no one to assign a case to, and the setup checklist neither counts nor names it
# (they read active accounts). The admin's staff list shows it by this name, inactive.
DEMO_REVIEWER_FIRST_NAME = "Demo:"
DEMO_REVIEWER_LAST_NAME = "reviewer of the plan's values"


def _is_demo_reviewer(user: User) -> bool:
    """The demo's own account: named as the demo names it, or as an earlier demo left it (no
    password, no email, never signed in)."""
    named = (user.first_name, user.last_name) == (DEMO_REVIEWER_FIRST_NAME, DEMO_REVIEWER_LAST_NAME)
    untouched = not user.has_usable_password() and not user.email and user.last_login is None
    return named or untouched


def demo_reviewer_retire(city: City) -> int:
    """Make the demo's reviewer account of ``city`` what it is: inactive, named "Demo: reviewer
    of the plan's values" (also one an earlier demo left active). How many were changed."""
    changed = 0
    for user in User.objects.filter(username=f"{city.slug}-performance", is_active=True):
        if _is_demo_reviewer(user):
            user.first_name, user.last_name, user.is_active = DEMO_REVIEWER_FIRST_NAME, DEMO_REVIEWER_LAST_NAME, False
            user.save(update_fields=["first_name", "last_name", "is_active"])
            changed += 1
    return changed


@contextmanager
def _reviewer(city: City) -> Iterator[User]:
    """The city's first active administrator; without one, the demo's reviewer account,
    active only inside the ``with``."""
    reviewer = User.objects.filter(city=city, role=Role.CITY_ADMIN, is_active=True).order_by("pk").first()
    if reviewer is not None:
        yield reviewer
        return
    username = f"{city.slug}-performance"
    account = User.objects.filter(username=username).first()
    if account is not None and not _is_demo_reviewer(account):
        username = f"{city.slug}-performance-demo"  # someone's own account: never taken over
        account = User.objects.filter(username=username).first()
    if account is None:
        account = User.objects.create_user(username=username, password=None)
    account.first_name, account.last_name = DEMO_REVIEWER_FIRST_NAME, DEMO_REVIEWER_LAST_NAME
    account.city, account.role, account.department, account.email = city, Role.CITY_ADMIN, None, ""
    account.set_unusable_password()
    account.is_active = True
    account.save()
    try:
        yield account
    finally:
        account.is_active = False
        account.save(update_fields=["is_active"])


# The regional comparison's common definitions (key, name, definition, computation, unit,
# direction, decimals, per resident, minimum cases, parameters, the codes each city maps).
# A city maps the codes it offers; ``None`` maps every type the city has but email triage.
STREET_CODES = ("pothole", "street-debris", "sinkhole", "curb-gutter")
COMMON: list[tuple[str, str, str, str, str, str, int, bool, int, dict[str, int], tuple[str, ...] | None]] = [
    (
        "potholes-median-days",
        "Median days to close potholes",
        "Half of the pothole reports closed in the period were closed within this many days.",
        "potholes_median_days_to_close",
        "days",
        "lower",
        1,
        False,
        10,
        {},
        ("pothole",),
    ),
    (
        "street-closed-within-target",
        "% of street requests closed within their target time",
        "The share of street requests (potholes, street debris, sinkholes, curbs and gutters) closed by their "
        "due date.",
        "closed_within_target",
        "percent",
        "higher",
        0,
        False,
        10,
        {},
        STREET_CODES,
    ),
    (
        "requests-per-1000-residents",
        "Service requests per 1,000 residents",
        "How many service requests residents made, for every 1,000 residents of the city.",
        "requests_opened",
        "count",
        "",
        1,
        True,
        20,
        {},
        None,
    ),
    (
        "code-enforcement-inspected-5-days",
        "% of code enforcement cases inspected in 5 days or less",
        "The share of code enforcement cases reported whose first inspection came within five days.",
        "code_enforcement_inspected",
        "percent",
        "higher",
        0,
        False,
        10,
        {"days": 5},
        CE_CODES,
    ),
]


def load_common_measures() -> int:
    """The collaborative's common definitions, mapped onto each member city's demo types
    (idempotent). Returns how many city mappings exist."""
    from django.conf import settings

    from civicdesk.catalog.models import ServiceType

    mapped = 0
    for region in Region.objects.filter(cities__isnull=False).distinct():
        for order, (key, name, text, computation, unit, direction, decimals, rate, minimum, params, codes) in enumerate(
            COMMON
        ):
            common = services.common_measure_define(
                region=region,
                key=key,
                name=name,
                definition=text,
                computation=computation,
                unit=unit,
                direction=direction,
                decimals=decimals,
                per_resident=rate,
                minimum_cases=minimum,
                parameters=params,
                order=order,
            )
            for city in City.objects.filter(region=region):
                offered = ServiceType.objects.filter(city=city).exclude(code=settings.INTAKE_TRIAGE_SERVICE_CODE)
                if codes is not None:
                    offered = offered.filter(code__in=codes)
                city_codes = list(offered.values_list("code", flat=True))
                if city_codes:
                    services.common_measure_map(common_measure=common, city=city, service_codes=city_codes)
                    mapped += 1
    return mapped


def load_performance_demo(*, today: dt.date | None = None) -> int:
    """Load Independence's plan, measures, targets and values (once); return the number of
    computed period values stored. Does nothing for a city that already has a plan. The
    regional comparison's common measures are (re)mapped every time."""
    load_common_measures()
    city = City.objects.filter(slug=CITY).first()
    if city is not None:
        demo_reviewer_retire(city)
    if city is None or PlanYear.objects.filter(city=city).exists():
        return 0
    with transaction.atomic():
        DashboardSettings.objects.get_or_create(city=city)
        calendar = periods.calendar_for(city)
        now = clock.now() if today is None else dt.datetime.combine(today, dt.time(23), tzinfo=calendar.tz)
        this_year = calendar.fiscal_year_of(city_today(city, now=now))
        # The FY2018 plan as adopted; the FY2021 update flagged the top priorities (seed 002).
        plans = {2018: _plan(city, 2018, priorities=False), 2021: _plan(city, 2021, priorities=True)}
        if this_year > 2021:
            plans[this_year] = _plan(city, this_year, priorities=True)
        by_key: dict[str, Measure] = {}
        with _reviewer(city) as reviewer:
            for order, spec in enumerate(SEED_003):
                measure = by_key[spec.key] = _measure(city, spec, order)
                for objectives in plans.values():
                    objectives[spec.objective].measures.add(measure)
                MeasureTarget.objects.get_or_create(
                    measure=measure, fiscal_year=2018, defaults={"value": spec.target, "split_rule": spec.split_rule}
                )
                _publish_q1(measure, spec, reviewer)
        for order, spec in enumerate(COMPUTED, start=len(SEED_003)):
            measure = _measure(city, spec, order)
            if spec.department_report and measure.department_report_id is None:
                measure.department_report = by_key[spec.department_report]
                measure.save(update_fields=["department_report"])
            for fiscal_year, objectives in plans.items():
                if fiscal_year >= 2021:
                    objectives[spec.objective].measures.add(measure)
            for fiscal_year in range(this_year - 1, this_year + 1):
                MeasureTarget.objects.get_or_create(
                    measure=measure,
                    fiscal_year=fiscal_year,
                    defaults={"value": spec.target, "split_rule": spec.split_rule},
                )
    return services.performance_compute(cities=[city], now=now)


def _publish_q1(measure: Measure, spec: SeedMeasure, reviewer: User) -> None:
    """FY2018 Q1 through the workflow, dated as the press release was (late October 2017)."""
    tz = periods.calendar_for(measure.city).tz
    step = dt.datetime(2017, 10, 16, 9, tzinfo=tz)
    enterer = (
        User.objects.filter(city=measure.city, department=measure.department, is_active=True).order_by("pk").first()
        if measure.department_id
        else None
    ) or reviewer
    with clock.frozen_at(step):
        value = services.measure_value_enter(
            measure=measure, fiscal_year=2018, period=1, value=spec.actual, narrative=spec.narrative, actor=enterer
        )
    with clock.frozen_at(step + dt.timedelta(hours=2)):
        value = services.measure_value_submit(measure_value=value, actor=enterer)
    with clock.frozen_at(step + dt.timedelta(days=3)):
        value = services.measure_value_approve(measure_value=value, actor=reviewer)
    with clock.frozen_at(step + dt.timedelta(days=10)):
        services.measure_value_publish(measure_value=value, actor=reviewer)
