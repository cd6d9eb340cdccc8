"""The demo's staff accounts, as data (no Django imports, so ``logins()`` can be read by
anything, e.g. the ``make run`` banner).

Every demo account shares one password, printed in the README: these accounts exist only
in a demo database, never in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicdesk.demo.catalogue import CATALOGUES

DEMO_PASSWORD = "civicdesk-demo-2026"  # noqa: S105 - demo-only accounts, printed in the README


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str  # accounts.Role value
    city: str | None  # city slug; None for the regional administrator and the superuser
    department: str | None = None  # department code in the city's catalogue
    is_staff: bool = False  # reaches /admin/
    is_superuser: bool = False
    can_do: str = ""


# (city slug, username prefix, the departments that get a worker: -worker, -worker2, -worker3).
# Workers go to a city's busiest departments (by the catalogue's shares): no department busier
# than one with a worker is left without one. Independence's second busiest, seed 004's
# "CD-NEIGHBORHOOD SERV" (a fifth of its cases: vehicles, graffiti, dangerous buildings...),
# is a department of its own beside "CD-NEIGHBORHOOD SERVICES", so it has its own worker.
_CITY_TEAMS = [
    ("independence", "ind", ("neighborhood-services", "street-maintenance", "neighborhood-serv")),
    ("lees-summit", "ls", ("codes", "public-works")),
    ("blue-springs", "bs", ("community-development", "streets")),
    ("grandview", "gv", ("community-development", "public-works")),
    ("raytown", "rt", ("codes", "public-works")),
]

# Made-up names, one set per city.
_NAMES = {
    "ind": [
        ("Dana", "Whitfield"),
        ("Marcus", "Ortega"),
        ("Priya", "Natarajan"),
        ("Tom", "Kessler"),
        ("Alicia", "Brooks"),
        ("Renee", "Caldwell"),
    ],
    "ls": [("Kelsey", "Tran"), ("Ryan", "Holt"), ("Grace", "Delgado"), ("Victor", "Okafor"), ("Megan", "Sato")],
    "bs": [("Jamie", "Cole"), ("Luis", "Herrera"), ("Erin", "Walsh"), ("Sam", "Becker"), ("Nora", "Lindqvist")],
    "gv": [("Tasha", "Greene"), ("Andre", "Dupont"), ("Holly", "Simmons"), ("Ben", "Yoder"), ("Rosa", "Mendez")],
    "rt": [("Chris", "Parker"), ("Imani", "Jones"), ("Derek", "Shaw"), ("Lena", "Fischer"), ("Omar", "Haddad")],
}


_CITY_NAMES = {
    "independence": "Independence",
    "lees-summit": "Lee's Summit",
    "blue-springs": "Blue Springs",
    "grandview": "Grandview",
    "raytown": "Raytown",
}


def _department_name(city: str, code: str) -> str:
    return next(d.name for d in CATALOGUES[city].departments if d.code == code)


def _city_staff() -> list[StaffSpec]:
    staff: list[StaffSpec] = []
    for slug, prefix, departments in _CITY_TEAMS:
        n = _NAMES[prefix]
        city = _CITY_NAMES[slug]
        # The workers' names: the second and third of the city's, then the sixth onwards.
        worker_names = [n[1], n[2], *n[5:]]
        staff.append(
            StaffSpec(
                f"{prefix}-calltaker",
                *n[0],
                "call_taker",
                slug,
                can_do=f"{city} call taker: enters phone and walk-in reports for any department",
            )
        )
        staff += [
            StaffSpec(
                f"{prefix}-worker{position if position > 1 else ''}",
                *worker_names[position - 1],
                "worker",
                slug,
                department,
                can_do=f"{city} worker, {_department_name(slug, department)}: works the queue, notes, photos, closes",
            )
            for position, department in enumerate(departments, start=1)
        ]
        staff += [
            StaffSpec(
                f"{prefix}-supervisor",
                *n[3],
                "supervisor",
                slug,
                can_do=f"{city} supervisor: assigns and reassigns, watches overdue cases",
            ),
            StaffSpec(
                f"{prefix}-investigator",
                *n[3][::-1],
                "investigator",
                slug,
                can_do=f"{city} investigator: the only staff who see the confidential fraud hotline's reports",
            ),
            StaffSpec(
                f"{prefix}-admin",
                *n[4],
                "city_admin",
                slug,
                is_staff=True,
                can_do=f"{city} administrator: departments, types, districts, staff (also /admin/)",
            ),
        ]
    return staff


STAFF: list[StaffSpec] = [
    *_city_staff(),
    StaffSpec(
        "regional",
        "Morgan",
        "Reyes",
        "regional_admin",
        None,
        is_staff=True,
        can_do="regional administrator: compares the cities, no residents' cases",
    ),
    StaffSpec(
        "admin",
        "Site",
        "Administrator",
        "",
        None,
        is_staff=True,
        is_superuser=True,
        can_do="Django superuser: everything in /admin/",
    ),
]
