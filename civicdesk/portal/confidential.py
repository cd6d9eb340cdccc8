"""The pages of a confidential report (a fraud hotline): the confirmation that shows the
access code once, and /confidential/, where the code opens the case's replies and a form
to add information.

Nothing here records who calls: no address, no browser details. The code travels in the
form (never in a URL, so it is in no access log or browser history) and is checked again
on every request; the case number is never shown.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from civicdesk.cases import selectors as cases
from civicdesk.cases import services as case_services
from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications import confidential


def _caller_keys(request: HttpRequest) -> list[str]:
    # The address only ever enters a keyed hash used to slow down guessing; it is not stored.
    if not request.session.session_key:
        request.session.save()
    return confidential.caller_keys(
        address=request.META.get("REMOTE_ADDR", ""), session_key=request.session.session_key or ""
    )


def render_access_code(request: HttpRequest, case: ServiceRequest, code: str | None) -> HttpResponse:
    """The confirmation of a confidential report: the access code, shown this once (only
    its digest is kept), instead of a case number and a tracking link. ``code`` None is a
    report sent twice: the code was shown the first time."""
    response = render(request, "portal/confidential_sent.html", {"city": case.city, "case": case, "code": code})
    response["Cache-Control"] = "no-store"
    return response


def _case_page(request: HttpRequest, case: ServiceRequest, code: str, **extra: object) -> HttpResponse:
    status = int(extra.pop("status", 200))  # type: ignore[call-overload]
    response = render(
        request,
        "portal/confidential_case.html",
        {"case": case, "city": case.city, "timeline": cases.public_timeline(case), "code": code, **extra},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def confidential_access(request: HttpRequest) -> HttpResponse:
    """GET: the box for the access code. POST: the code opens the report (its public
    timeline: what the reporter wrote, the investigators' replies); with ``information``,
    adds it to the report as the reporter. Wrong codes are counted; too many, and the
    caller waits (HTTP 429) whatever they type."""
    if request.method != "POST":
        return render(request, "portal/confidential.html", {})
    code = request.POST.get("code", "")
    keys = _caller_keys(request)
    if confidential.is_throttled(keys):
        minutes = int(confidential.WINDOW.total_seconds() // 60)
        error = _("Too many wrong codes. Please wait %(m)s minutes and try again.") % {"m": minutes}
        return render(request, "portal/confidential.html", {"errors": [error]}, status=429)
    case = confidential.confidential_case_by_code(code)
    if not isinstance(case, ServiceRequest):
        confidential.record_failure(keys)
        error = _("That code does not open any report. Check it and try again.")
        return render(request, "portal/confidential.html", {"errors": [error]}, status=400)
    if "information" not in request.POST:
        return _case_page(request, case, code)
    try:
        case_services.case_add_reporter_information(case=case, text=request.POST.get("information", ""))
    except ValidationError as exc:
        message = " ".join(exc.message_dict.get("text", exc.messages) if hasattr(exc, "error_dict") else exc.messages)
        return _case_page(
            request, case, code, errors=[message], information=request.POST.get("information", ""), status=400
        )
    return _case_page(request, case, code, added=True)
