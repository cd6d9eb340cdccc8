"""Writes of the catalogue: a city's catalogue from a file, shared-service agreements between member cities.

The flow takes two administrators, one of each city: the client city's administrator
proposes (which of their types, which department of the provider, from when), the
provider city's administrator accepts or declines. Either may end an active agreement.
Routing (``catalog.routing.department_for``) reads the active ones; the lists are in
``catalog.selectors``, the billing figures (which count cases) in ``cases.sharing``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.catalogue_file import Catalogue, CatalogueFileError
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement, ServiceAttribute, ServiceType
from civicdesk.core import clock
from civicdesk.core.errors import InvalidTransition
from civicdesk.tenants import selectors as tenant_selectors
from civicdesk.tenants.models import City, Department


def _require_admin(actor: User | None, city: City, what: str) -> None:
    if actor is None or not actor.is_active or actor.role != Role.CITY_ADMIN or actor.city_id != city.pk:
        raise PermissionDenied(what)


def _overlaps(starts: dt.date, ends: dt.date | None, other: ServiceAgreement) -> bool:
    return (other.ends_on is None or starts <= other.ends_on) and (ends is None or other.starts_on <= ends)


@transaction.atomic
def agreement_propose(
    *,
    actor: User | None,
    provider_department: Department,
    service_types: Iterable[ServiceType],
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    billing_note: str = "",
) -> ServiceAgreement:
    """The client city's administrator asks another city's department to work some of
    the client's types; nothing is routed until the provider's administrator accepts."""
    if actor is None or actor.city is None:
        raise PermissionDenied(_("Only a city administrator can propose a shared-service agreement."))
    client = actor.city
    _require_admin(actor, client, _("Only a city administrator can propose a shared-service agreement."))
    provider = provider_department.city
    if provider.pk == client.pk:
        raise ValidationError({"provider_department": _("Choose a department of another member city.")})
    if provider.region_id != client.region_id:
        raise ValidationError({"provider_department": _("%(city)s is not a member city.") % {"city": provider.name}})
    if not provider_department.active:
        raise ValidationError(
            {"provider_department": _("%(d)s is no longer an active department.") % {"d": provider_department}}
        )
    types = list(service_types)
    if not types:
        raise ValidationError({"service_types": _("Choose at least one problem type.")})
    foreign = [t.name for t in types if t.city_id != client.pk]
    if foreign:
        raise ValidationError(
            {
                "service_types": _("Not types of %(city)s: %(types)s.")
                % {"city": client.name, "types": ", ".join(foreign)}
            }
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first.")})
    agreement = ServiceAgreement.objects.create(
        client_city=client,
        provider_city=provider,
        provider_department=provider_department,
        starts_on=starts_on,
        ends_on=ends_on,
        billing_note=(billing_note or "").strip()[:2000],
        proposed_by=actor,
        proposed_at=clock.now(),
    )
    agreement.service_types.set(types)
    return agreement


@transaction.atomic
def agreement_accept(*, agreement: ServiceAgreement, actor: User | None) -> ServiceAgreement:
    """The provider city's administrator accepts: from its first day, new cases of its
    types in the client city go to the provider's department."""
    agreement = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk)
    _require_admin(
        actor,
        agreement.provider_city,
        _("Only an administrator of %(city)s can accept this agreement.") % {"city": agreement.provider_city.name},
    )
    if agreement.status != AgreementStatus.PROPOSED:
        raise InvalidTransition(
            _("This agreement is %(s)s, not waiting.") % {"s": agreement.get_status_display().lower()}
        )
    # One type is worked by one provider at a time: two active agreements over the same
    # days would make routing a coin toss.
    clash = (
        ServiceAgreement.objects.filter(status=AgreementStatus.ACTIVE, service_types__in=agreement.service_types.all())
        .exclude(pk=agreement.pk)
        .distinct()
    )
    for other in clash:
        if _overlaps(agreement.starts_on, agreement.ends_on, other):
            raise ValidationError(
                _("%(other)s already covers some of these types on these days; end it first.") % {"other": other}
            )
    agreement.status, agreement.decided_by, agreement.decided_at = AgreementStatus.ACTIVE, actor, clock.now()
    agreement.save(update_fields=["status", "decided_by", "decided_at"])
    return agreement


@transaction.atomic
def agreement_decline(*, agreement: ServiceAgreement, actor: User | None) -> ServiceAgreement:
    """The provider city's administrator declines a proposal."""
    agreement = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk)
    _require_admin(
        actor,
        agreement.provider_city,
        _("Only an administrator of %(city)s can decline this agreement.") % {"city": agreement.provider_city.name},
    )
    if agreement.status != AgreementStatus.PROPOSED:
        raise InvalidTransition(
            _("This agreement is %(s)s, not waiting.") % {"s": agreement.get_status_display().lower()}
        )
    agreement.status, agreement.decided_by, agreement.decided_at = AgreementStatus.DECLINED, actor, clock.now()
    agreement.save(update_fields=["status", "decided_by", "decided_at"])
    return agreement


@transaction.atomic
def agreement_end(*, agreement: ServiceAgreement, actor: User | None, last_day: dt.date) -> ServiceAgreement:
    """Either city's administrator ends an active agreement after ``last_day``. Cases
    already routed to the provider stay with it until closed; new ones go home."""
    agreement = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk)
    if actor is None or actor.city_id not in (agreement.client_city_id, agreement.provider_city_id):
        raise PermissionDenied(_("Only an administrator of one of the two cities can end this agreement."))
    _require_admin(actor, actor.city, _("Only a city administrator can end a shared-service agreement."))  # type: ignore[arg-type]
    if agreement.status != AgreementStatus.ACTIVE:
        raise InvalidTransition(_("Only an active agreement can be ended."))
    if last_day < agreement.starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first.")})
    agreement.status = AgreementStatus.ENDED
    agreement.ends_on = min(last_day, agreement.ends_on) if agreement.ends_on else last_day
    agreement.save(update_fields=["status", "ends_on"])
    return agreement


@dataclass(frozen=True)
class ForeignEmail:
    """A department's email in the file that is another member city's address."""

    code: str
    name: str
    email: str
    other_city: str


@dataclass(frozen=True)
class ForeignName:
    """Words of the file that name another member city: where (the file, line, entry and
    field), the words, and the city."""

    where: str
    excerpt: str
    other_city: str
    # A keyword of this type (its name): email intake takes the words for this type.
    keyword_of: str = ""


@dataclass
class CatalogueImport:
    """What ``catalog_import`` did (or, in a dry run, would do)."""

    departments_created: list[str] = field(default_factory=list)
    departments_updated: list[str] = field(default_factory=list)
    types_created: list[str] = field(default_factory=list)
    types_updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False
    city_name: str = ""
    foreign_emails: list[ForeignEmail] = field(default_factory=list)
    foreign_names: list[ForeignName] = field(default_factory=list)
    without_emails: bool = False

    def warnings(self) -> list[str]:
        """``email_warnings()``, then ``name_warnings()``."""
        return self.email_warnings() + self.name_warnings()

    def name_warnings(self) -> list[str]:
        """One line per field whose words name another member city: residents and staff of this
        city would read the neighbour's name (a neighbour's export, say). A street or a place
        of that name may be right, so the words leave it to the person. A keyword is never
        right: email intake would read the city's name as a report of that type."""
        return [
            (
                _(
                    "%(where)s: “%(text)s” names %(other)s, not %(city)s. Email intake reads a keyword as a "
                    "resident's words for this type: an email that mentions %(other)s would count towards "
                    "“%(type)s” and could be sent there for that word alone. Take it out of the keywords."
                )
                if f.keyword_of
                else _(
                    "%(where)s: “%(text)s” names %(other)s, not %(city)s. If it means %(other)s (its "
                    "department, its service, its phone), write %(city)s's own words; a street or place of "
                    "that name can stay."
                )
            )
            % {"where": f.where, "text": f.excerpt, "other": f.other_city, "city": self.city_name, "type": f.keyword_of}
            for f in self.foreign_names
        ]

    @property
    def foreign_words(self) -> bool:
        """Whether a name, group, description, question or choice names another member city."""
        return any(not f.keyword_of for f in self.foreign_names)

    @property
    def foreign_keywords(self) -> bool:
        """Whether a type's keyword names another member city."""
        return any(f.keyword_of for f in self.foreign_names)

    def email_warnings(self) -> list[str]:
        """One line per department whose email in the file is another city's: imported, that
        city's staff would get this city's assignment emails (a neighbour's export, say)."""
        return [
            _(
                "Department “%(name)s” (%(code)s): %(email)s is an address of %(other)s, not of %(city)s; "
                "%(city)s's assignment emails for it would go to %(other)s."
            )
            % {"name": f.name, "code": f.code, "email": f.email, "other": f.other_city, "city": self.city_name}
            for f in self.foreign_emails
        ]

    def summary(self) -> str:
        parts = [
            _("departments: %(c)d created, %(u)d updated")
            % {"c": len(self.departments_created), "u": len(self.departments_updated)},
            _("service types: %(c)d created, %(u)d updated")
            % {"c": len(self.types_created), "u": len(self.types_updated)},
            _("%(n)d unchanged") % {"n": self.unchanged},
        ]
        if self.without_emails:
            parts.append(_("the file's department emails left out"))
        text = "; ".join(parts)
        return _("Dry run, nothing written: %(text)s") % {"text": text} if self.dry_run else text


class _DryRun(Exception):
    """Rolls back a dry run's writes."""


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


@transaction.atomic
def catalog_import(
    *, city: City, catalogue: Catalogue, name: str = "catalogue", dry_run: bool = False, without_emails: bool = False
) -> CatalogueImport:
    """Bring ``city``'s departments and service types to what ``catalogue`` says, matched by
    code: new codes are created, known ones updated, nothing else is touched (a type or a
    question the file does not list is kept: cases refer to it; a field the file does not
    give, e.g. a CSV without the ``department_email`` column, keeps its value). Running it
    twice changes nothing the second time, nor does importing the city's own export.

    Everything is checked before anything is written (``CatalogueFileError`` lists each
    mistake with its line); all of it is one transaction. ``dry_run`` reports what would
    change and writes nothing.

    A department email at another member city's domain (``tenants.selectors.city_email_domains``)
    is named in ``warnings()``: a neighbour's export brings the neighbour's addresses.
    ``without_emails`` leaves the file's emails out: a new department gets none, an existing
    one keeps its own.
    """
    existing_departments = {d.code: d for d in Department.objects.filter(city=city)}
    problems: list[str] = []
    known = set(existing_departments) | {d.code for d in catalogue.departments}
    for t in catalogue.service_types:
        if t.department and t.department not in known:
            problems.append(
                _(
                    "%(file)s, line %(line)d, department: “%(code)s” is neither in the file's departments nor a department of %(city)s (%(known)s)."
                )
                % {
                    "file": name,
                    "line": t.line,
                    "code": t.department,
                    "city": city.name,
                    "known": ", ".join(sorted(known)) or _("none yet"),
                }
            )
    if problems:
        raise CatalogueFileError(problems)
    result = CatalogueImport(dry_run=dry_run, city_name=city.name, without_emails=without_emails)
    if not without_emails:
        domains = tenant_selectors.city_email_domains()
        for entry in catalogue.departments:
            other = tenant_selectors.email_of_another_city(city=city, email=entry.email, domains=domains)
            if other:
                result.foreign_emails.append(ForeignEmail(entry.code, entry.name or entry.code, entry.email, other))
    result.foreign_names = _names_of_other_cities(city=city, catalogue=catalogue, name=name)
    try:
        with transaction.atomic():
            result = _catalog_write(city=city, catalogue=catalogue, departments=existing_departments, result=result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _names_of_other_cities(*, city: City, catalogue: Catalogue, name: str) -> list[ForeignName]:
    """Each field of the file (English or Spanish) whose words name another member city: a
    department's name; a type's name, group, description and each of its keywords; a
    question's words and its choices' names. Each said with its line, entry and field, as the
    file's mistakes are."""
    finder = tenant_selectors.city_names_of_others(city=city)
    found: list[ForeignName] = []

    def look(line: int, entry: str, fields: list[tuple[str, str]], keyword_of: str = "") -> None:
        for key, text in fields:
            for named in finder(text) if text else []:
                where = _("%(file)s, line %(line)d, %(entry)s, %(field)s") % {
                    "file": name,
                    "line": line,
                    "entry": entry,
                    "field": key,
                }
                found.append(ForeignName(where, named.excerpt, named.other_city, keyword_of))

    for d in catalogue.departments:
        look(d.line, _("department “%(code)s”") % {"code": d.code}, [("name", d.name)])
    for t in catalogue.service_types:
        kind = _("service type “%(code)s”") % {"code": t.code}
        look(
            t.line,
            kind,
            [(key, getattr(t, key)) for key in ("name", "name_es", "group", "group_es", "description")],
        )
        # Each phrase on its own, as email intake matches them (comma- or semicolon-separated):
        # "independence" is a city, "Independence Avenue" a street, as in the fields above.
        phrases = [p.strip() for p in re.split(r"[,;]", t.keywords) if p.strip()]
        look(t.line, kind, [("keywords", p) for p in phrases], keyword_of=t.name or t.code)
        for q in t.questions:
            question = _("%(type)s, question “%(code)s”") % {"type": kind, "code": q.code}
            line = q.line or t.line
            look(
                line,
                question,
                [("question", q.question), ("question_es", q.question_es), ("description", q.description)],
            )
            for choice in q.values:
                look(
                    line,
                    _("%(question)s, choice “%(key)s”") % {"question": question, "key": choice.get("key", "")},
                    [("name", choice.get("name", "")), ("name_es", choice.get("name_es", ""))],
                )
    return found


def _given(values: dict[str, Any], given: frozenset[str] | None) -> dict[str, Any]:
    """The values the file gives (keyed by the entry's field names): what an existing row takes."""
    return values if given is None else {k: v for k, v in values.items() if k in given}


def _model_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {"is_confidential" if k == "confidential" else k: v for k, v in values.items()}


def _catalog_write(
    *, city: City, catalogue: Catalogue, departments: dict[str, Department], result: CatalogueImport
) -> CatalogueImport:
    for entry in catalogue.departments:
        values = {"name": entry.name, "email": entry.email, "active": entry.active}
        if result.without_emails:
            del values["email"]  # as if the file had no emails: a new department's is empty
        department = departments.get(entry.code)
        if department is None:
            departments[entry.code] = Department.objects.create(city=city, code=entry.code, **values)
            result.departments_created.append(entry.code)
        elif _assign(department, _given(values, entry.given)):
            department.save()
            result.departments_updated.append(entry.code)
        else:
            result.unchanged += 1
    types = {t.code: t for t in ServiceType.objects.filter(city=city)}
    for position, type_entry in enumerate(catalogue.service_types):
        values = {
            "name": type_entry.name,
            "name_es": type_entry.name_es,
            "department": departments[type_entry.department] if type_entry.department else None,
            "target_days": type_entry.target_days,
            "target_in_business_days": type_entry.target_in_business_days,
            "group": type_entry.group,
            "group_es": type_entry.group_es,
            "description": type_entry.description,
            "keywords": type_entry.keywords,
            "active": type_entry.active,
            "confidential": type_entry.confidential,
        }
        service_type = types.get(type_entry.code)
        created = service_type is None
        if service_type is None:
            service_type = ServiceType.objects.create(
                city=city, code=type_entry.code, sort_order=position, **_model_fields(values)
            )
            changed = True
        else:
            changed = _assign(service_type, _model_fields(_given(values, type_entry.given)))
            if changed:
                service_type.save()
        attributes = {a.code: a for a in ServiceAttribute.objects.filter(service_type=service_type)}
        # A question whose order the file does not give: where it was, or (a new one) after
        # the question before it in the list.
        previous = 0
        for q in type_entry.questions:
            attribute = attributes.get(q.code)
            order = q.order if q.order is not None else attribute.order if attribute else previous + 1
            previous = order
            q_values = {
                "question": q.question,
                "question_es": q.question_es,
                "datatype": q.datatype,
                "required": q.required,
                "variable": q.variable,
                "values": q.values,
                "description": q.description,
                "order": order,
            }
            if attribute is None:
                ServiceAttribute.objects.create(service_type=service_type, code=q.code, **q_values)
                changed = True
            elif _assign(attribute, _given(q_values, q.given)):
                attribute.save()
                changed = True
        if created:
            result.types_created.append(type_entry.code)
        elif changed:
            result.types_updated.append(type_entry.code)
        else:
            result.unchanged += 1
    return result
