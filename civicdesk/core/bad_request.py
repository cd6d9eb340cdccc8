"""``handler400``: a request Django could not read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
too many fields, a form in an encoding other than UTF-8).

The resident's page gets templates/400.html, which says what went wrong and that nothing
was saved. The portal's offline queue asks for JSON and reads ``errors`` from the answer:
given an HTML page it could not parse, it would keep the report and retry it for ever,
never telling the resident, so it gets the same words as JSON.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def request_too_big_message() -> str:
    """What an API client is told of a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: the limit, in MB."""
    return _("The request is larger than the %(mb)s MB this server accepts; send a shorter description.") % {
        "mb": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):g}"
    }


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    """The 400 answer, as JSON to a client that asks for it, else the page."""
    if request.headers.get("Accept", "").startswith("application/json"):
        message = _(
            "We could not read what was sent (too much text at once, too many fields, or text in an "
            "encoding other than UTF-8). Nothing was saved: check it and send it again."
        )
        return JsonResponse({"errors": {"__all__": [message]}}, status=400)
    return defaults.bad_request(request, exception, template_name)
