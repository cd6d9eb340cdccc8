"""Console pages for working across member cities: hand-offs, shared-service agreements
and the regional overview. Views translate; the services decide who may do what."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.accounts.models import Role
from civicdesk.cases import permissions, sharing, transfers
from civicdesk.cases.models import CaseTransfer, ServiceRequest
from civicdesk.cases.permissions import Action
from civicdesk.cases.regional import region_overview
from civicdesk.catalog import selectors as catalog_selectors
from civicdesk.catalog import services as catalog_services
from civicdesk.catalog.models import ServiceAgreement, ServiceType
from civicdesk.console.views import _case_url, _int, _user, staff_view
from civicdesk.core import clock
from civicdesk.tenants.models import City, Department


def transfer_panel(request: HttpRequest, case: ServiceRequest) -> dict[str, Any]:
    """What the case page offers about hand-offs to the signed-in user."""
    user = _user(request)
    pending = transfers.pending_transfer(case)
    owner = permissions.can_act_in_city(user, case.city_id, Action.ASSIGN)
    return {
        "pending": pending,
        "can_request": owner and pending is None and case.is_open and not case.service_type.is_confidential,
        "can_decide": pending is not None and permissions.can_act_in_city(user, pending.to_city_id, Action.ASSIGN),
        "cities": City.objects.defer("boundary").filter(region_id=case.city.region_id).exclude(pk=case.city_id),
        "read_only": user.city_id != case.city_id and not permissions.can(user, Action.NOTE, case),
        "history": case.transfers.select_related("from_city", "to_city").order_by("requested_at", "pk"),
    }


def _transfer(request: HttpRequest, case: ServiceRequest) -> str:
    to_city = City.objects.defer("boundary").filter(pk=_int(request.POST.get("to_city", ""))).first()
    if to_city is None:
        raise ValidationError(_("Choose the member city that should take the case."))
    transfers.case_transfer(case=case, actor=_user(request), to_city=to_city, reason=request.POST.get("reason", ""))
    return _("%(city)s is asked to take %(ref)s; it stays yours until they accept.") % {
        "city": to_city.name,
        "ref": case.reference,
    }


def _get_transfer(request: HttpRequest, pk: int) -> CaseTransfer:
    try:
        return transfers.transfer_get_for_staff(user=_user(request), pk=pk)
    except CaseTransfer.DoesNotExist as exc:
        raise Http404(_("No such transfer for your city.")) from exc


@require_POST
@staff_view
def transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the case: it becomes this city's, with a new number."""
    transfer = _get_transfer(request, pk)
    try:
        case = transfers.case_transfer_accept(transfer=transfer, actor=_user(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console:transfers")
    messages.success(
        request, _("%(old)s is now %(new)s, in your queue.") % {"old": transfer.from_reference, "new": case.reference}
    )
    return redirect(_case_url(case))


@require_POST
@staff_view
def transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the case back, with the reason written on its timeline."""
    transfer = _get_transfer(request, pk)
    try:
        transfers.case_transfer_refuse(transfer=transfer, actor=_user(request), reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("%(ref)s stays with %(city)s.") % {"ref": transfer.from_reference, "city": transfer.from_city}
        )
    return redirect("console:transfers")


@require_GET
@staff_view
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Incoming transfers waiting for this city, and this city's own requests."""
    user = _user(request)
    return render(
        request,
        "console/transfers.html",
        {
            "incoming": transfers.transfers_incoming(user=user),
            "outgoing": transfers.transfers_outgoing(user=user)[:50],
            "nav": "transfers",
        },
    )


@require_GET
@staff_view
def entered_elsewhere(request: HttpRequest, city: str, number: int) -> HttpResponse:
    """The confirmation a call taker reads to a caller whose problem lies in another
    member city: the reference and the city. The case itself is that city's."""
    user = _user(request)
    case = (
        ServiceRequest.objects.select_related("city", "service_type")
        .defer("city__boundary")
        .filter(city__slug=city, number=number, created_by=user)
        .first()
    )
    if case is None:
        raise Http404(_("You entered no such case."))
    return render(request, "console/entered_elsewhere.html", {"case": case, "nav": "new"})


# --- shared-service agreements ---------------------------------------------------------------


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return default


def _agreement(request: HttpRequest, pk: int) -> ServiceAgreement:
    agreement = catalog_selectors.agreement_list_for(user=_user(request)).filter(pk=pk).first()
    if agreement is None:
        raise Http404(_("No such agreement for your city."))
    return agreement


@staff_view
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The city's agreements (both ways); a city administrator proposes one here."""
    user = _user(request)
    if user.city_id is None and user.role != Role.REGIONAL_ADMIN:
        raise PermissionDenied(_("Only staff of a city see its agreements."))
    errors: list[str] = []
    city_id = user.city_id or 0  # a regional administrator proposes nothing
    if request.method == "POST":
        types = ServiceType.objects.filter(
            city_id=city_id, pk__in=[_int(v) for v in request.POST.getlist("service_types")]
        )
        department = Department.objects.filter(pk=_int(request.POST.get("provider_department", ""))).first()
        starts_on = _date(request.POST.get("starts_on"))
        try:
            if department is None or starts_on is None:
                raise ValidationError(_("Choose the provider's department and the first day."))
            catalog_services.agreement_propose(
                actor=user,
                provider_department=department,
                service_types=list(types),
                starts_on=starts_on,
                ends_on=_date(request.POST.get("ends_on")),
                billing_note=request.POST.get("billing_note", ""),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Proposed to %(city)s; it starts once their administrator accepts.") % {"city": department.city},
            )
            return redirect("console:agreements")
    is_admin = user.role == Role.CITY_ADMIN
    return render(
        request,
        "console/agreements.html",
        {
            "agreements": catalog_selectors.agreement_list_for(user=user).prefetch_related("service_types"),
            "is_admin": is_admin,
            "types": ServiceType.objects.filter(city_id=city_id, active=True).order_by("name") if is_admin else [],
            "departments": Department.objects.filter(active=True, city__region_id=user.city.region_id)
            .exclude(city_id=city_id)
            .select_related("city")
            .defer("city__boundary")
            .order_by("city__name", "name")
            if is_admin and user.city is not None
            else [],
            "errors": errors,
            "posted": request.POST,
            "today": clock.now().date(),
            "nav": "agreements",
        },
        status=400 if errors else 200,
    )


@require_POST
@staff_view
def agreement_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Accept, decline or end an agreement (the services check who may)."""
    agreement = _agreement(request, pk)
    user = _user(request)
    try:
        if decision == "accept":
            catalog_services.agreement_accept(agreement=agreement, actor=user)
        elif decision == "decline":
            catalog_services.agreement_decline(agreement=agreement, actor=user)
        elif decision == "end":
            last_day = _date(request.POST.get("last_day"), clock.now().date())
            assert last_day is not None
            catalog_services.agreement_end(agreement=agreement, actor=user, last_day=last_day)
        else:
            raise Http404(decision)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Agreement updated."))
    return redirect("console:agreements")


@require_GET
@staff_view
def agreement_billing(request: HttpRequest, pk: int) -> HttpResponse:
    """Cases worked under the agreement in a period, per type; ``?format=csv`` downloads."""
    agreement = _agreement(request, pk)
    today = clock.now().astimezone(agreement.client_city.tz).date()
    first = _date(request.GET.get("from"), today.replace(day=1))
    last = _date(request.GET.get("to"), today)
    assert first is not None and last is not None
    rows = sharing.agreement_billing(agreement=agreement, first_day=first, last_day=last)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.pk}-{first}-{last}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["client_city", "provider_city", "provider_department", "service_type", "from", "to", "opened", "closed"]
        )
        for row in rows:
            writer.writerow(
                [
                    agreement.client_city.name,
                    agreement.provider_city.name,
                    agreement.provider_department.name,
                    row.service_type,
                    first,
                    last,
                    row.opened,
                    row.closed,
                ]
            )
        return response
    return render(
        request,
        "console/agreement_billing.html",
        {
            "agreement": agreement,
            "rows": rows,
            "first": first,
            "last": last,
            "nav": "agreements",
            "totals": (sum(r.opened for r in rows), sum(r.closed for r in rows)),
        },
    )


# --- the region -------------------------------------------------------------------------------


@require_GET
@staff_view
def region(request: HttpRequest) -> HttpResponse:
    """Every member city's figures side by side, for regional administrators."""
    return render(
        request,
        "console/region.html",
        {
            "rows": region_overview(user=_user(request)),
            "reports_url": reverse("reports:service-requests"),
            "nav": "region",
        },
    )
