"""The open-data pages (the files and their data dictionary) and the downloads, which stream
the stored file as it is: the bytes the SHA-256 on the page was computed over."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from civicdesk.cases.models import Resolution, Status
from civicdesk.core.pagecache import public_page
from civicdesk.opendata import selectors
from civicdesk.opendata.columns import COLUMNS
from civicdesk.opendata.models import Format, OpenDataFile
from civicdesk.opendata.services import download_name, open_data_storage
from civicdesk.tenants.models import City

STATUS_MEANINGS = {
    Status.NEW: _("Reported; no one has taken it on yet."),
    Status.ASSIGNED: _("A staff member or crew has it."),
    Status.IN_PROGRESS: _("Work has started."),
    Status.CLOSED: _("Finished: see resolution for how."),
}


def _city(slug: str) -> City:
    return get_object_or_404(City.objects.defer("boundary"), slug=slug)


@public_page
@require_safe
def page(request: HttpRequest, city: str | None = None) -> HttpResponse:
    city_obj = _city(city) if city else None
    files = selectors.open_data_files(city=city_obj)
    listed = [
        {"format": fmt, "label": fmt.label, "file": files.get(fmt), "name": download_name(city=city_obj, fmt=fmt)}
        for fmt in Format
    ]
    zones = sorted({c.timezone for c in ([city_obj] if city_obj else City.objects.only("timezone"))})
    return render(
        request,
        "opendata/page.html",
        {
            "city": city_obj,
            "files": listed,
            "columns": COLUMNS,
            "statuses": [(s.value, s.label, STATUS_MEANINGS.get(s, "")) for s in Status],
            "resolutions": [(r.value, r.label) for r in Resolution],
            "zones": zones,
            "cities": City.objects.defer("boundary").order_by("name") if city_obj is None else [],
        },
    )


@require_safe
@cache_control(public=True, max_age=3600)
def download(request: HttpRequest, name: str, city: str | None = None) -> FileResponse:
    city_obj = _city(city) if city else None
    fmt = next((f for f in Format if download_name(city=city_obj, fmt=f) == name), None)
    if fmt is None:
        raise Http404("No such open-data file.")
    storage = open_data_storage()
    # A new export may replace the file between reading its row and opening it: read again once.
    for _attempt in range(2):
        current: OpenDataFile | None = selectors.open_data_file(city=city_obj, fmt=fmt)
        if current is None:
            raise Http404("This file has not been generated yet.")
        try:
            handle = storage.open(current.name, "rb")
        except FileNotFoundError:
            continue
        response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/gzip")
        response["Content-Length"] = str(current.size)
        response["ETag"] = f'"{current.sha256}"'
        response["Last-Modified"] = http_date(current.generated_at.timestamp())
        return response
    raise Http404("This file is being replaced; try again in a moment.")
