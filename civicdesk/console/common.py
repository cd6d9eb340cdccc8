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


def _city_and_department(request: HttpRequest) -> None:
    """Load the user's city and department once, in one query, the city without its limits:
    every console page shows the city's name and the user's department and reads the city's
    time zone, and none draws the limits (GeoJSON of tens of kB, read and decoded on every page
    otherwise). The map's own view reads them when it is asked."""
    user = request.user
    if not isinstance(user, User):
        return
    wanted = [
        name
        for name in ("city", "department")
        if getattr(user, f"{name}_id") is not None and name not in user._state.fields_cache
    ]
    if not wanted:
        return
    boundary = ["city__boundary"] if "city" in wanted else []
    found = User.objects.select_related(*wanted).defer("password", *boundary).filter(pk=user.pk).first()
    if found is None:
        return
    for name in wanted:
        setattr(user, name, getattr(found, name))


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff only; a refusal from a service becomes the 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _city_and_department(request)
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
