"""Top-level URLs. Each app owns its own urls module."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from civicdesk.cases import media
from civicdesk.core import health

# The admin is the city administrators' part of civicdesk: named as the rest of it, not "Django
# administration". A proper name, the same in every language.
admin.site.site_header = admin.site.site_title = "civicdesk 311"

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Photos, only to those who may see them (civicdesk/cases/media.py), in every mode.
    path(settings.MEDIA_URL.lstrip("/") + "<path:name>", media.photo_file, name="media"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("civicdesk.console.urls")),
    path("open311/v2/", include("civicdesk.open311.urls")),
    path("places/", include("civicdesk.places.urls")),
    # Before the portal: its <slug:city>/ routes would otherwise be tried first.
    path("", include("civicdesk.reports.urls")),
    path("", include("civicdesk.performance.urls")),
    path("", include("civicdesk.opendata.urls")),
    path("", include("civicdesk.portal.urls")),
]

# The database being unreachable is a 503 with Retry-After, not a 500 (civicdesk/core/unavailable.py).
handler500 = "civicdesk.core.unavailable.server_error"
# A request Django cannot read is a 400 that says so, as JSON to the offline queue (civicdesk/core/bad_request.py).
handler400 = "civicdesk.core.bad_request.bad_request"
