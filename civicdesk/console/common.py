"""What every console view shares: the signed-in user, the staff-only gate with its 403
page, and a case's address. Its own module so that ``views`` and ``collaborative`` both
import it and neither imports the other's private parts."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest


def user_of(request: HttpRequest) -> User:
    """The signed-in staff member (every console view is behind ``staff_view``)."""
    assert isinstance(request.user, User)
    return request.user


def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """The console's 403 page, saying what was refused."""
    message = str(exc) or _("You are not allowed to do that.")
    return render(request, "console/403.html", {"message": message}, status=403)


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff only; a refusal from a service becomes the 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden(request, exc)

    return wrapped


def case_url(case: ServiceRequest) -> str:
    return reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})


def typed_pk(value: str) -> int:
    """A primary key typed in a form, or -1 (which matches nothing) for anything else."""
    return int(value) if value.strip().isdigit() else -1
