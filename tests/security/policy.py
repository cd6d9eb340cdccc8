"""Who may open what: the declarative policy the authorization matrix checks.

One entry per URL name of the URLconf (and one per model registered in the admin), each
saying in words who may open it. ``test_authorization_matrix`` asks every URL, as every
kind of user, about objects of one city ("A"), and compares what the site answered with
what this table says. docs/security.md ("Who may open what") prints the same table.

The table is written from what the product promises (docs/, PRODUCT.md), not read from the
code it checks: a permission changed by accident in a view shows up as a mismatch here.

Vocabulary:

- a **principal** is someone asking: anonymous, a member of city A or of city B with one of
  the roles of ``accounts.Role``, the regional administrator, or a superuser. ``is_staff``
  (entry to /admin/) follows the role, as the demo and the staff admin set it: city
  administrators, regional administrators and superusers.
- a **target** is what the URL is about: a case of city A, a confidential case of city A,
  a photo, a transfer to city A, an agreement of city A, a page of city A, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from civicdesk.accounts.models import Role

# --- who asks, and about what ------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    name: str  # "anonymous", "worker of A", "superuser"
    role: str = ""
    city: str | None = None  # "A" (the objects' city), "B" (another member city) or None
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def signed_in(self) -> bool:
        return self.name != "anonymous"


@dataclass(frozen=True)
class Target:
    what: str  # for messages: "case", "confidential case", "page", …
    # The city the object belongs to; None: the URL names no object (any city's staff may
    # open it, seeing their own); "": an object of no city (an operator's account), no city's.
    city: str | None = "A"
    confidential: bool = False
    public: bool = True  # a photo or note shown to the public
    entered_by: str = ""  # the principal who entered the case (call takers' confirmation page)


PAGE = Target("page", city=None)

CITY_ROLES = (Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN)
CLOSERS = (Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN)
ALL_CITY_ROLES = (*CITY_ROLES, Role.INVESTIGATOR)


def _label(roles: Iterable[str]) -> str:
    roles = set(roles)
    if roles == set(ALL_CITY_ROLES):
        return "any role"
    if roles == set(CITY_ROLES):
        return "any role but investigator"
    return ", ".join(str(Role(r).label).lower() for r in sorted(roles))


@dataclass(frozen=True)
class Rule:
    """Who may: a sentence for the auditor and the test that decides it."""

    says: str
    allows: Callable[[Principal, Target], bool]

    def __or__(self, other: Rule) -> Rule:
        return Rule(f"{self.says}; or {other.says}", lambda p, t: self.allows(p, t) or other.allows(p, t))

    def __and__(self, other: Rule) -> Rule:
        says = f"({self.says})" if "; or" in self.says else self.says
        return Rule(f"{says}, {other.says}", lambda p, t: self.allows(p, t) and other.allows(p, t))


PUBLIC = Rule("anyone", lambda p, t: True)
NOBODY = Rule("nobody", lambda p, t: False)
SIGNED_IN = Rule("anyone signed in (the page lists only what their own city may see)", lambda p, t: p.signed_in)
SUPERUSER = Rule("superusers", lambda p, t: p.is_superuser)
REGIONAL_ADMIN = Rule("the regional administrator", lambda p, t: p.role == Role.REGIONAL_ADMIN)
ADMIN_ACCESS = Rule("entry to /admin/", lambda p, t: p.is_staff)
ENTERER = Rule("only the staff member who entered the case", lambda p, t: p.name == t.entered_by)


def staff(*roles: str) -> Rule:
    """Members of the target's city (of any city when the URL names none) with a role in ``roles``."""
    return Rule(
        f"staff of its city ({_label(roles)})" if roles != (Role.CITY_ADMIN,) else "its city's administrator",
        lambda p, t: p.city is not None and p.role in roles and (t.city is None or p.city == t.city),
    )


def case_work(*roles: str) -> Rule:
    """Work on a case: the case's city's staff with a role in ``roles``; a confidential case:
    that city's investigators, and nobody else."""

    def allows(p: Principal, t: Target) -> bool:
        if p.city is None or (t.city is not None and p.city != t.city):
            return False
        return p.role == Role.INVESTIGATOR if t.confidential else p.role in roles

    return Rule(f"staff of the case's city ({_label(roles)}); a confidential case: its investigators only", allows)


PUBLIC_CASE = Rule(
    "anyone; a confidential case: nobody (its access code at /confidential/ is the only key)",
    lambda p, t: not t.confidential,
)
PHOTO = Rule(
    "a public photo of an ordinary case: anyone; any other: staff who may view its case",
    lambda p, t: (t.public and not t.confidential) or case_work(*CITY_ROLES).allows(p, t),
)


# --- the site's URLs ------------------------------------------------------------------------

POLICY: dict[str, Rule] = {
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "media": PHOTO,
    "set_language": PUBLIC,
    # Django admin: the site's own pages (each model's pages are in ADMIN_MODELS below).
    "admin:index": ADMIN_ACCESS,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "admin:password_change": ADMIN_ACCESS,
    "admin:password_change_done": ADMIN_ACCESS,
    "admin:jsi18n": ADMIN_ACCESS,
    "admin:autocomplete": Rule("nobody (no admin declares autocomplete fields)", lambda p, t: False),
    "admin:view_on_site": Rule("nobody (no model has a page to jump to)", lambda p, t: False),
    # A city's setup guide: whoever may open its checklist (the city's administrator, the
    # regional administrator who reads every city's, operators), never another city's staff.
    "admin:tenants_city_setup_guide": Rule(
        "entry to /admin/ and who may open the city's checklist: its administrator, the regional "
        "administrator or a superuser",
        lambda p, t: (
            p.is_staff
            and (p.is_superuser or p.role == Role.REGIONAL_ADMIN or (p.role == Role.CITY_ADMIN and p.city == t.city))
        ),
    ),
    # Staff console.
    "console:login": PUBLIC,
    "console:logout": PUBLIC,
    "console:home": SIGNED_IN,
    "console:overdue": SIGNED_IN,
    "console:not_placed": SIGNED_IN,
    "console:likely_late": SIGNED_IN,
    "console:bulk_assign": Rule(
        "anyone signed in; each case is then checked, another city's refused by name", lambda p, t: p.signed_in
    ),
    "console:new": staff(*ALL_CITY_ROLES),
    "console:new_questions": staff(*ALL_CITY_ROLES),
    "console:new_similar": staff(*ALL_CITY_ROLES),
    "console:boundary": staff(*ALL_CITY_ROLES),
    "console:case": case_work(*CITY_ROLES),
    "console:case_note": case_work(*CITY_ROLES),
    "console:case_photos": case_work(*CITY_ROLES),
    "console:case_assign": case_work(*CITY_ROLES),
    "console:case_type": case_work(*CITY_ROLES),
    "console:case_follow": case_work(*CITY_ROLES),
    # Another call about the case, kept as an internal note: noting a case.
    "console:case_call": case_work(*CITY_ROLES),
    # Putting a case on the map is routing, like assigning.
    "console:case_place": case_work(*CITY_ROLES),
    "console:case_status": case_work(*CLOSERS),
    "console:case_close": case_work(*CLOSERS),
    "console:case_reopen": case_work(*CLOSERS),
    "console:case_duplicate": case_work(*CLOSERS),
    # Handing a case to another member city is routing, like assigning; never a confidential one.
    "console:case_transfer": case_work(*CITY_ROLES)
    & Rule("not a confidential case (never transferred between cities)", lambda p, t: not t.confidential),
    "console:entered_elsewhere": ENTERER,
    # The collaborative.
    "console:transfers": SIGNED_IN,
    "console:transfer_accept": staff(*CITY_ROLES),
    "console:transfer_refuse": staff(*CITY_ROLES),
    "console:agreements": staff(*ALL_CITY_ROLES) | REGIONAL_ADMIN,
    "console:agreement_billing": staff(*ALL_CITY_ROLES) | REGIONAL_ADMIN,
    # Accept or decline an agreement offered to the city: its administrator.
    "console:agreement_decide": staff(Role.CITY_ADMIN),
    "console:region": REGIONAL_ADMIN,
    # Links to the public reports, offered to those who answer for the figures.
    "console:reports": staff(Role.SUPERVISOR, Role.CITY_ADMIN) | REGIONAL_ADMIN,
    # Open311 GeoReport v2: reading is public; posting needs an application's key (tested apart).
    "open311:discovery": PUBLIC,
    "open311:services": PUBLIC,
    "open311:service-definition": PUBLIC,
    "open311:service-definition-alias": PUBLIC,
    "open311:requests": PUBLIC,
    "open311:request": PUBLIC_CASE,
    "open311:token": PUBLIC_CASE,
    "open311:openapi": PUBLIC,
    "open311:fallback": Rule("nobody (an unknown API path is a 404)", lambda p, t: False),
    # Reports: counts for everyone; the overdue list has addresses.
    "reports:service-requests": PUBLIC,
    "reports:service-requests-pdf": PUBLIC,
    "reports:service-requests-csv": PUBLIC,
    "reports:city-service-requests": PUBLIC,
    "reports:city-service-requests-pdf": PUBLIC,
    "reports:city-service-requests-csv": PUBLIC,
    "reports:operations": PUBLIC,
    "reports:operations-csv": PUBLIC,
    "reports:city-operations": PUBLIC,
    "reports:city-operations-csv": PUBLIC,
    "reports:city-overdue": staff(*CITY_ROLES),
    # Performance dashboard and the regional comparison: public.
    "performance:compare": PUBLIC,
    "performance:compare-csv": PUBLIC,
    "performance:compare-json": PUBLIC,
    "performance:compare-cases": PUBLIC,
    "performance:dashboard": PUBLIC,
    "performance:dashboard-csv": PUBLIC,
    "performance:dashboard-json": PUBLIC,
    "performance:measure-cases": PUBLIC,
    # Open data: every public case, for anyone (civicdesk/opendata, docs/open-data.md).
    "opendata:collaborative": PUBLIC,
    "opendata:collaborative-file": PUBLIC,
    "opendata:city": PUBLIC,
    "opendata:city-file": PUBLIC,
    # Residents' portal.
    "portal:home": PUBLIC,
    "portal:manifest": PUBLIC,
    "portal:service-worker": PUBLIC,
    "portal:favicon": PUBLIC,
    "portal:offline": PUBLIC,
    "portal:boundaries": PUBLIC,
    # The published address points of the gazetteer: what a search box and a map pin ask.
    "places:search": PUBLIC,
    "places:near": PUBLIC,
    "places:street-tile": PUBLIC,
    "portal:report": PUBLIC,
    "portal:report-questions": PUBLIC,
    "portal:report-nearby": PUBLIC,
    "portal:report-sent": PUBLIC_CASE,
    "portal:track": PUBLIC_CASE,
    "portal:unsubscribe": PUBLIC_CASE,
    "portal:confidential": PUBLIC,
    "portal:alert-confirm": PUBLIC,
    "portal:alert-unsubscribe": PUBLIC,
    "portal:city": PUBLIC,
    "portal:boundary": PUBLIC,
    "portal:city-report": PUBLIC,
    "portal:browse": PUBLIC,
    "portal:alerts": PUBLIC,
    # The council district a point is in (the alerts form's "… is in District 2"): the
    # published map's answer, nothing of any case.
    "portal:alerts-district": PUBLIC,
    # "Your alerts": anyone with the signed link (its address is the key; a bad link is a 404).
    "portal:your-alerts-link": PUBLIC,
    "portal:your-alerts": PUBLIC,
    "portal:alert-change": PUBLIC,
    "portal:feed": PUBLIC,
    "portal:case": PUBLIC_CASE,
    "portal:follow": PUBLIC_CASE,
}


# --- the admin, per registered model ------------------------------------------------------------


@dataclass(frozen=True)
class AdminAccess:
    """Who may list/open (view), add, change and delete a model's objects in /admin/.
    Every rule is also subject to entry to /admin/ (``is_staff``)."""

    view: Rule
    add: Rule = NOBODY
    change: Rule = NOBODY
    delete: Rule = NOBODY


CITY_ADMIN = staff(Role.CITY_ADMIN)
# The usual city setting: its administrator keeps it, the region reads it, operators keep all.
CITY_SETTING = AdminAccess(
    view=CITY_ADMIN | REGIONAL_ADMIN | SUPERUSER,
    add=CITY_ADMIN | SUPERUSER,
    change=CITY_ADMIN | SUPERUSER,
    delete=CITY_ADMIN | SUPERUSER,
)
# Residents' cases and their audit log: read-only, and never across cities or to the region.
NOT_CONFIDENTIAL = Rule("never a confidential case's", lambda p, t: not t.confidential)
CASE_RECORD = AdminAccess(view=case_work(*CITY_ROLES) | (SUPERUSER & NOT_CONFIDENTIAL))

ADMIN_MODELS: dict[str, AdminAccess] = {
    "auth.group": AdminAccess(view=SUPERUSER, add=SUPERUSER, change=SUPERUSER, delete=SUPERUSER),
    "django_tasks_database.dbtaskresult": AdminAccess(view=SUPERUSER),
    "accounts.user": CITY_SETTING,
    "tenants.region": AdminAccess(view=REGIONAL_ADMIN | SUPERUSER, add=SUPERUSER, change=SUPERUSER, delete=SUPERUSER),
    "tenants.city": AdminAccess(
        view=CITY_ADMIN | REGIONAL_ADMIN | SUPERUSER, change=CITY_ADMIN | SUPERUSER, add=SUPERUSER, delete=SUPERUSER
    ),
    "tenants.department": CITY_SETTING,  # delete: only one that never had a case
    "tenants.district": CITY_SETTING,  # delete: only one no case was filed in
    "tenants.neighbourarea": AdminAccess(
        view=REGIONAL_ADMIN | SUPERUSER, add=SUPERUSER, change=SUPERUSER, delete=SUPERUSER
    ),
    "catalog.servicetype": CITY_SETTING,
    "catalog.cannedresponse": CITY_SETTING,
    "cases.servicerequest": CASE_RECORD,
    "cases.caseevent": CASE_RECORD,
    "expected.expectedsettings": CITY_SETTING,
    # Trainings are written by expected_train alone: read by the city and the region.
    "expected.expectedmodel": AdminAccess(view=CITY_ADMIN | REGIONAL_ADMIN | SUPERUSER),
    # The gazetteer: loaded from files by load_addresses, read-only here.
    "places.addresspoint": AdminAccess(view=CITY_ADMIN | REGIONAL_ADMIN | SUPERUSER),
    # Emails in and out: a confidential case's (the reporter's address, the tip) are nobody's here.
    "intake.inboundmessage": AdminAccess(view=(CITY_ADMIN | SUPERUSER) & NOT_CONFIDENTIAL),
    "notifications.outboxmessage": AdminAccess(view=(CITY_ADMIN | SUPERUSER) & NOT_CONFIDENTIAL),
    "open311.open311apikey": AdminAccess(
        view=CITY_ADMIN | SUPERUSER,
        add=CITY_ADMIN | SUPERUSER,
        change=CITY_ADMIN | SUPERUSER,
        delete=CITY_ADMIN | SUPERUSER,
    ),
    "performance.dashboardsettings": CITY_SETTING,
    "performance.planyear": CITY_SETTING,
    "performance.goal": CITY_SETTING,
    "performance.measure": CITY_SETTING,
    # Values go through review: entered by the city's staff, never deleted.
    "performance.measurevalue": AdminAccess(
        view=staff(*ALL_CITY_ROLES) | REGIONAL_ADMIN | SUPERUSER,
        add=staff(*ALL_CITY_ROLES) | SUPERUSER,
        change=staff(*ALL_CITY_ROLES) | SUPERUSER,
    ),
    "performance.commonmeasure": AdminAccess(
        view=REGIONAL_ADMIN | SUPERUSER,
        add=REGIONAL_ADMIN | SUPERUSER,
        change=REGIONAL_ADMIN | SUPERUSER,
        delete=REGIONAL_ADMIN | SUPERUSER,
    ),
}


# --- the same table, for docs/security.md ---------------------------------------------------------


def markdown() -> str:
    """The policy as the tables of docs/security.md ("Who may open what"); a test keeps the
    two the same. Print it with
    ``DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python -c "import django;
    django.setup(); from tests.security.policy import markdown; print(markdown(), end='')"``."""
    from django.contrib import admin

    from tests.security.urlwalk import routes

    patterns = {r.name: r.route for r in routes()}
    lines = ["| URL name | path | who may open it |", "| --- | --- | --- |"]
    for name, rule in POLICY.items():
        path = patterns.get(name, "").replace("|", "\\|")
        lines.append(f"| `{name}` | `/{path}` | {rule.says} |")
    lines += [
        "",
        "Every admin page also needs entry to /admin/ (`is_staff`). The change and history pages",
        "open for whoever may view; `delete` and `add` follow their own column.",
        "",
        "| admin model | view | add | change | delete |",
        "| --- | --- | --- | --- | --- |",
    ]
    registered = {m._meta.label_lower for m in admin.site._registry}
    for label, access in ADMIN_MODELS.items():
        mark = "" if label in registered else " (not registered)"
        cells = " | ".join(getattr(access, kind).says for kind in ("view", "add", "change", "delete"))
        lines.append(f"| `{label}`{mark} | {cells} |")
    return "\n".join(lines) + "\n"
