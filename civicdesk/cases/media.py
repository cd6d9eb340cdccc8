"""Serving case photos, with the same rule as the pages that show them.

Photo files have predictable names (``cases/<city>/<number>/<number>-<n>.jpg``), so a web
server that published the whole of MEDIA_ROOT would hand anyone the internal photos and the
photos of confidential cases. This view serves a file only to whoever may see the photo: the
public for a public photo of a case anyone may read, staff for the cases they may view.

The bytes are read by Python unless ``MEDIA_ACCEL_REDIRECT`` is set: then nginx serves them
from an ``internal`` location after this view has said yes (docs/operations.md).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from civicdesk.cases import permissions
from civicdesk.cases.models import Photo


def _may_see(request: HttpRequest, photo: Photo) -> bool:
    case = photo.case
    if photo.is_public and not permissions.is_confidential(case):
        return True
    user = request.user if request.user.is_authenticated else None
    return permissions.can(user, permissions.Action.VIEW, case)  # type: ignore[arg-type]


@require_safe
def photo_file(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    """The file of a photo or its thumbnail, or 404 for anything else (no hint that a
    private photo exists)."""
    if ".." in PurePosixPath(name).parts:
        raise Http404
    photo = (
        Photo.objects.select_related("case", "case__service_type", "case__city")
        .filter(Q(image=name) | Q(thumbnail=name))
        .first()
    )
    if photo is None or not _may_see(request, photo):
        raise Http404
    cache_control = "public, max-age=86400" if photo.is_public else "private, no-store"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    response: HttpResponse | FileResponse
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + name
    else:
        field = photo.image if photo.image.name == name else photo.thumbnail
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response
