"""Top-level URLs. Each app owns its own urls module."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("civicdesk.console.urls")),
    path("open311/v2/", include("civicdesk.open311.urls")),
    # Before the portal: its <slug:city>/ routes would otherwise be tried first.
    path("", include("civicdesk.reports.urls")),
    path("", include("civicdesk.performance.urls")),
    path("", include("civicdesk.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
