"""Console pages for working across member cities: hand-offs, shared-service agreements
and the regional overview. Views translate: input comes through the forms of
``console.forms``, what a page offers and whom it refuses come from ``console.policy``,
and the services check both again when they write."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.cases import sharing, transfers
from civicdesk.cases.models import CaseTransfer, ServiceRequest, TransferStatus
from civicdesk.catalog import selectors as catalog_selectors
from civicdesk.catalog import services as catalog_services
from civicdesk.catalog.models import ServiceAgreement
from civicdesk.console import policy, selectors
from civicdesk.console.common import case_url, staff_view, user_of
from civicdesk.console.forms import (
    AgreementEndForm,
    AgreementProposeForm,
    BillingPeriodForm,
    TransferForm,
    TransferRefuseForm,
)
from civicdesk.core.paging import COUNT_CAP
from civicdesk.reports.region import region_overview
from civicdesk.tenants.services import city_today


def transfer_panel(request: HttpRequest, case: ServiceRequest, *, posted: Any = None) -> dict[str, Any]:
    """What the case page offers about hand-offs to the signed-in user; ``posted``: the
    transfer form as sent, when it had a mistake (shown again, nothing lost)."""
    user = user_of(request)
    # Every hand-off of the case, read once: the one waiting for a decision is among them
    # (at most one per case, a constraint).
    history = transfers.transfer_history(case)
    pending = next((t for t in history if t.status == TransferStatus.PENDING), None)
    can_request = policy.may_request_transfer(user, case, pending=pending)
    form = TransferForm(posted, case=case) if posted is not None else TransferForm(case=case)
    return {
        "pending": pending,
        "can_request": can_request,
        "can_decide": policy.may_decide_transfer(user, pending),
        "form": form,
        # The form's fields are written by the template (_transfer.html), not by Django's
        # widget templates: those cost about a tenth of the case page.
        "cities": selectors.transfer_city_choices(case=case) if can_request else [],
        "chosen_city": str(form["to_city"].value() or "") if posted is not None else "",
        "read_only": policy.reads_handed_off_case(user, case),
        "history": history,
    }


def transfer_request(request: HttpRequest, case: ServiceRequest) -> str:
    """The case page's "not ours" form (run by ``views._case_action``)."""
    form = TransferForm(request.POST, case=case)
    if not form.is_valid():
        raise ValidationError(form.error_list())
    to_city = form.cleaned_data["to_city"]
    transfers.case_transfer(case=case, actor=user_of(request), to_city=to_city, reason=form.cleaned_data["reason"])
    return _("%(city)s is asked to take %(ref)s; it stays yours until they accept.") % {
        "city": to_city.name,
        "ref": case.reference,
    }


def _get_transfer(request: HttpRequest, pk: int) -> CaseTransfer:
    try:
        return transfers.transfer_get_for_staff(user=user_of(request), pk=pk)
    except CaseTransfer.DoesNotExist as exc:
        raise Http404(_("No such transfer for your city.")) from exc


@require_POST
@staff_view
def transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the case: it becomes this city's, with a new number."""
    transfer = _get_transfer(request, pk)
    user = user_of(request)
    policy.require_decide_transfer(user, transfer)
    try:
        case = transfers.case_transfer_accept(transfer=transfer, actor=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console:transfers")
    messages.success(
        request, _("%(old)s is now %(new)s, in your queue.") % {"old": transfer.from_reference, "new": case.reference}
    )
    return redirect(case_url(case))


@require_POST
@staff_view
def transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the case back, with the reason written on its timeline. A mistake shows the
    transfers page again, the reason as typed beside the transfer it was for."""
    transfer = _get_transfer(request, pk)
    user = user_of(request)
    policy.require_decide_transfer(user, transfer)
    form = TransferRefuseForm(request.POST)
    if form.is_valid():
        try:
            transfers.case_transfer_refuse(transfer=transfer, actor=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_errors(exc)
    if not form.errors:
        messages.success(
            request, _("%(ref)s stays with %(city)s.") % {"ref": transfer.from_reference, "city": transfer.from_city}
        )
        return redirect("console:transfers")
    return _transfers_page(request, failed=transfer.pk, refuse_form=form, status=400)


def _transfers_page(
    request: HttpRequest, *, failed: int | None = None, refuse_form: TransferRefuseForm | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    return render(
        request,
        "console/transfers.html",
        {
            "incoming": transfers.transfers_incoming(user=user),
            "outgoing": transfers.transfers_outgoing(user=user)[:50],
            "failed": failed,
            "refuse_form": refuse_form,
            "errors": (errors := refuse_form.error_list() if refuse_form is not None else []),
            # The summary at the top, focused: each mistake links to the reason typed.
            "summary": [(f"reason-{failed}" if failed else "", message) for message in errors],
            "nav": "transfers",
        },
        status=status,
    )


@require_GET
@staff_view
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Incoming transfers waiting for this city, and this city's own requests."""
    return _transfers_page(request)


@require_GET
@staff_view
def entered_elsewhere(request: HttpRequest, city: str, number: int) -> HttpResponse:
    """The confirmation a call taker reads to a caller whose problem lies in another
    member city: the reference and the city. The case itself is that city's."""
    user = user_of(request)
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


def _agreement(request: HttpRequest, pk: int) -> ServiceAgreement:
    agreement = catalog_selectors.agreement_list_for(user=user_of(request)).filter(pk=pk).first()
    if agreement is None:
        raise Http404(_("No such agreement for your city."))
    return agreement


def _agreements_page(
    request: HttpRequest,
    *,
    form: AgreementProposeForm | None = None,
    end_form: AgreementEndForm | None = None,
    failed: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The agreements page; ``form`` / ``end_form``: a form as sent, with its mistakes,
    shown again with what was typed (``failed``: the agreement the end form was for)."""
    user = user_of(request)
    may_propose = policy.may_propose_agreement(user)
    if form is None and may_propose:
        form = AgreementProposeForm(user=user)
    rows = [
        {
            "agreement": agreement,
            "may_answer": policy.may_answer_agreement(user, agreement),
            "may_end": policy.may_end_agreement(user, agreement),
            "end_form": end_form if failed == agreement.pk and end_form is not None else None,
            # An agreement's days are its client city's (routing reads them on its clock).
            "today": city_today(agreement.client_city),
        }
        for agreement in catalog_selectors.agreement_list_for(user=user).prefetch_related("service_types")
    ]
    errors = (form.error_list() if form is not None else []) + (end_form.error_list() if end_form is not None else [])
    # The end form's mistakes, summed up at the top and focused, each linked to the day typed.
    end_summary = [(f"last-{failed}", message) for message in end_form.error_list()] if end_form is not None else []
    return render(
        request,
        "console/agreements.html",
        {
            "rows": rows,
            "form": form if may_propose else None,
            "errors": errors,
            "end_failed": failed if end_form is not None else None,
            "end_summary": end_summary,
            "nav": "agreements",
        },
        status=status,
    )


@staff_view
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The city's agreements (both ways); a city administrator proposes one here."""
    user = user_of(request)
    policy.require_see_agreements(user)
    if request.method != "POST":
        return _agreements_page(request)
    policy.require_propose_agreement(user)
    form = AgreementProposeForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            catalog_services.agreement_propose(
                actor=user,
                provider_department=data["provider_department"],
                service_types=list(data["service_types"]),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                billing_note=data["billing_note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Proposed to %(city)s; it starts once their administrator accepts.")
                % {"city": data["provider_department"].city},
            )
            return redirect("console:agreements")
    return _agreements_page(request, form=form, status=400)


@require_POST
@staff_view
def agreement_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Accept, decline or end an agreement."""
    if decision not in ("accept", "decline", "end"):
        raise Http404(decision)
    agreement = _agreement(request, pk)
    user = user_of(request)
    policy.require_decide_agreement(user, agreement, decision)
    end_form = AgreementEndForm(request.POST) if decision == "end" else None
    if end_form is not None and not end_form.is_valid():
        return _agreements_page(request, end_form=end_form, failed=agreement.pk, status=400)
    try:
        if decision == "accept":
            catalog_services.agreement_accept(agreement=agreement, actor=user)
        elif decision == "decline":
            catalog_services.agreement_decline(agreement=agreement, actor=user)
        else:
            assert end_form is not None
            last_day = end_form.last_day_or(city_today(agreement.client_city))
            catalog_services.agreement_end(agreement=agreement, actor=user, last_day=last_day)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Agreement updated."))
    return redirect("console:agreements")


@require_GET
@staff_view
def agreement_billing(request: HttpRequest, pk: int) -> HttpResponse:
    """Cases worked under the agreement in a period, per type; ``?format=csv`` downloads.
    A mistyped day is said above the table, which shows the default period instead."""
    agreement = _agreement(request, pk)
    today = city_today(agreement.client_city)
    period = BillingPeriodForm(request.GET)
    first, last = period.period(first=today.replace(day=1), last=today)
    if first > last:
        first, last = today.replace(day=1), today
    rows = sharing.agreement_billing(agreement=agreement, first_day=first, last_day=last)
    if request.GET.get("format") == "csv" and not period.errors:
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
            "period": period,
            "errors": period.error_list(),
            "nav": "agreements",
            "totals": (sum(r.opened for r in rows), sum(r.closed for r in rows)),
        },
        status=400 if period.errors else 200,
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
            "rows": region_overview(user=user_of(request)),
            "count_cap": COUNT_CAP,
            "reports_url": reverse("reports:service-requests"),
            "nav": "region",
        },
    )
