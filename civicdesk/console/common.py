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
from civicdesk.tenants.models import City


def user_of(request: HttpRequest) -> User:
    """The signed-in staff member (every console view is behind ``staff_view``)."""
    assert isinstance(request.user, User)
    return request.user


def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """The console's 403 page, saying what was refused."""
    message = str(exc) or _("You are not allowed to do that.")
    return render(request, "console/403.html", {"message": message}, status=403)


def _city_without_boundary(request: HttpRequest) -> None:
    """Load the user's city once, without its limits: every console page shows the city's
    name and reads its time zone, and none draws the limits (GeoJSON of tens of kB, read
    and decoded on every page otherwise). The map's own view reads them when it is asked."""
    user = request.user
    if isinstance(user, User) and user.city_id is not None and not User._meta.get_field("city").is_cached(user):
        user.city = City.objects.defer("boundary").get(pk=user.city_id)


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff only; a refusal from a service becomes the 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _city_without_boundary(request)
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
