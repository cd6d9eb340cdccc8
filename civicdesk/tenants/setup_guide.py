"""The setup guide of a new member city: one section per step of its checklist, for the
city's clerk or administrator who does it (the admin's page beside the checklist).

A section says what the step is for, what a finished step looks like and the commonest
mistake, with the words the product says when it is made. Those words are the product's own
messages (the same msgids, so the same translation), not a second copy. The city's state of
each step is not here: the page reads it from ``selectors.city_setup_steps``, as the
checklist does. Steps are named by their checklist key; the apps above tenants add steps
(service types, an Open311 key, the dashboard) and their sections are here all the same, as
``admin.SETUP_STEP_DOERS`` names them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

from civicdesk.tenants.models import City


@dataclass(frozen=True)
class GuideSection:
    """A step's section: ``purpose``, ``finished``, ``mistake`` (each may name ``%(city)s``),
    and ``told(city)``, what the product says when that mistake is made."""

    key: str
    purpose: Promise
    finished: Promise
    mistake: Promise
    told: Callable[[City], list[str]]

    def words(self, city: City) -> dict[str, str]:
        """The section's text for ``city``, in the active language."""
        names = {"city": city.name}
        return {
            "purpose": str(self.purpose) % names,
            "finished": str(self.finished) % names,
            "mistake": str(self.mistake) % names,
        }


def _limits_told(city: City) -> list[str]:
    return [
        _(
            "The boundary is not in longitude/latitude degrees (WGS 84): coordinates such as %(x).0f, %(y).0f "
            "look projected (state-plane feet or meters). Re-export it as GeoJSON in EPSG:4326."
        )
        % {"x": 2779000.0, "y": 1065000.0}
    ]


def _contact_told(city: City) -> list[str]:
    return [_("no email address for residents' reports"), _("no phone")]


def _districts_told(city: City) -> list[str]:
    return [
        _("These districts are not in %(city)s; nothing was created.") % {"city": city.name},
        _("%(n)d, %(i)d of them illustrative") % {"n": 4, "i": 4},
    ]


def _departments_told(city: City) -> list[str]:
    active = npgettext("departments", "%(n)d active", "%(n)d active", 3) % {"n": 3}
    return [
        _(
            "%(active)s; no email, so no one is told of their new cases (give each an email under Departments): "
            "%(names)s"
        )
        % {"active": active, "names": "…"}
    ]


def _types_told(city: City) -> list[str]:
    return [
        _("%(n)d active, none routed to a department: every case would wait in triage") % {"n": 12},
        _("%(city)s does not take reports online yet: the city is still setting up the problems it handles here.")
        % {"city": city.name},
    ]


def _staff_told(city: City) -> list[str]:
    from civicdesk.accounts.models import Role

    return [
        _(
            "Enter an email address: the cases assigned to staff with the role “%(role)s” are emailed "
            "to them, and an account without one is told of nothing."
        )
        % {"role": Role.WORKER.label}
    ]


def _open311_told(city: City) -> list[str]:
    return [
        _("The key for %(name)s is %(key)s (jurisdiction_id=%(jurisdiction)s). Copy it now: it is not shown again.")
        % {"name": "…", "key": "…", "jurisdiction": city.jurisdiction_id}
    ]


def _dashboard_told(city: City) -> list[str]:
    return [
        ngettext(
            "%(plan)s, %(n)d measure: /%(slug)s/performance/",
            "%(plan)s, %(n)d measures: /%(slug)s/performance/",
            0,
        )
        % {"plan": "…", "n": 0, "slug": city.slug}
    ]


SECTIONS = [
    GuideSection(
        "limits",
        gettext_lazy(
            "%(city)s's limits decide which reports are the city's: a report placed inside them comes to the "
            "city, one outside goes to the member city it is in, and a resident whose place is in none is told "
            "so before sending."
        ),
        gettext_lazy(
            "The step says “Done” and “uploaded”, and the city's own page draws the limits on a small map: check "
            "that the shape is the city's, with its edges where the city's map has them."
        ),
        gettext_lazy(
            "Limits exported in the county's map units (feet or meters) instead of longitude and latitude. The "
            "file is refused and nothing changes. Loading the limits is an operator's work: give them the file "
            "from the city's GIS office, in longitude and latitude (EPSG:4326)."
        ),
        _limits_told,
    ),
    GuideSection(
        "contact",
        gettext_lazy(
            "The email address residents write to and the phone they call. Mail to the address becomes cases, "
            "and residents' replies to the city's emails come back to it; the phone is on the report page and "
            "at the foot of every email residents get."
        ),
        gettext_lazy(
            "The step says “Done” and lists the address, the phone and the website. Use the city's shared 311 "
            "mailbox and main number, not a person's own: they must outlive changes of staff."
        ),
        gettext_lazy(
            "Saving the city's page with the email address or the phone left empty. The step stays “Still to "
            "do” and says what is missing, in these words:"
        ),
        _contact_told,
    ),
    GuideSection(
        "districts",
        gettext_lazy(
            "Council districts put each case in its district: the reports count requests per district, staff "
            "filter by it, and residents may ask for alerts of theirs. A council elected at large has one "
            "district, “Citywide”, the whole city: the template of the districts' import is that district."
        ),
        gettext_lazy(
            "The step says “Done” with the number of districts on the current map, none of them a trial map; "
            "the list of districts, “By map: Current map”, shows each with its number."
        ),
        gettext_lazy(
            "Importing another city's map, or leaving a trial map in place. A file whose districts lie outside "
            "%(city)s is refused and nothing is created; a map marked as a trial (illustrative) keeps the step "
            "to do and the checklist counts it. Import the map the council adopted, from the city's GIS office "
            "or clerk."
        ),
        _districts_told,
    ),
    GuideSection(
        "departments",
        gettext_lazy(
            "Departments work the cases. Each department's email address is told of its new cases, so every "
            "department that receives cases needs one. They come with the service types in one catalog file, "
            "uploaded on the checklist."
        ),
        gettext_lazy(
            "The step says “Done” and how many departments are active, and names none: each department that "
            "receives cases has an email address."
        ),
        gettext_lazy(
            "Importing a neighbor's catalog as it is, or without its emails: its departments then have the "
            "neighbor's addresses (the upload warns of each) or none, and no one at %(city)s is told of their "
            "new cases. The step stays “Still to do” and names them, in these words:"
        ),
        _departments_told,
    ),
    GuideSection(
        "types",
        gettext_lazy(
            "Service types are the problems residents choose on the report form (a pothole, tall grass), each "
            "sent to its department with a target time. Until the city has one, its report page takes no "
            "reports and gives the city's phone and email instead."
        ),
        gettext_lazy(
            "The step says “Done” and how many types are active. A type without a department (an “Other / not "
            "sure”) is allowed: the step names it, and its cases wait for staff to route them."
        ),
        gettext_lazy(
            "A catalog whose types name no department: every case would wait in triage and the step stays to "
            "do. Residents meanwhile read that the city does not take reports online yet:"
        ),
        _types_told,
    ),
    GuideSection(
        "staff",
        gettext_lazy(
            "Accounts for the people who take calls, work cases and supervise, each with the department whose "
            "queue they work. An operator adds the city's first administrator, who adds the rest under Users."
        ),
        gettext_lazy(
            "The step says “Done” and how many accounts are active, and names none: each account has an email "
            "address, so the cases assigned to it reach a person."
        ),
        gettext_lazy(
            "Adding an account without an email address. The add page refuses it and keeps what was typed, "
            "saying why beside the box:"
        ),
        _staff_told,
    ),
    GuideSection(
        "open311",
        gettext_lazy(
            "A key lets an outside app (a neighborhood app, a vendor's 311 app) send reports into the city. "
            "Residents report on the city's own pages and by email without one, so a city may go live without "
            "any key."
        ),
        gettext_lazy(
            "The step says “Optional”; once an app has its key, “Done” and how many keys are active. Each app has "
            "its own key, so one can be turned off without stopping the others."
        ),
        gettext_lazy(
            "Not copying the key when it is created. It is shown once, at the top of the page, and never "
            "again: make a new key for the app and turn off the lost one."
        ),
        _open311_told,
    ),
    GuideSection(
        "dashboard",
        gettext_lazy(
            "The public performance dashboard shows the city's strategic plan: goals, objectives and measures, "
            "each measured every quarter against its target. It is the city's choice: a city may go live "
            "without it."
        ),
        gettext_lazy(
            "The step says “Done” with the plan year and how many measures it has, and the dashboard's address, "
            "which anyone may open."
        ),
        gettext_lazy(
            "A plan year with its goals but no measures: the dashboard has no figure to show and the step is "
            "not done. The checklist says, for example:"
        ),
        _dashboard_told,
    ),
]
SECTION_OF = {section.key: section for section in SECTIONS}
