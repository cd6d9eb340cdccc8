"""The one check of a URL that came from outside (an application's ``media_url``) before we
keep it or show it to anyone.

Such a URL ends up in ``<img src>`` and ``<a href>`` of other people's websites and apps
(FixMyStreet-style front ends, city dashboards read our Open311 output) and in our own
pages. So it is kept and shown only when it is an absolute ``http``/``https`` URL of at
most ``MAX_LENGTH`` characters, with a host that is a public name or address: never
``javascript:``, ``data:``, ``file:``, never whitespace or control characters, never
``localhost``, a loopback, private, link-local or otherwise non-public address.

We never fetch these URLs. Refusing internal hosts anyway keeps a later feature that does
(a thumbnailer, a virus scan) from being turned against the city's own network, and a
resident's browser from being pointed at their router. The same function runs at input
(a 400 naming the field) and at output (a stored URL that fails it is shown as ""), so a
row stored before the check existed is never served.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_LENGTH = 2000
SCHEMES = ("http", "https")
# Names that always mean "this machine" or "this local network", whatever DNS says.
INTERNAL_NAMES = ("localhost",)
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")

_valid_url = URLValidator(schemes=list(SCHEMES))


def public_url_problem(value: object) -> str:
    """Why ``value`` may not be kept or shown as a public URL, in the sender's terms; "" when it may."""
    if not isinstance(value, str) or not value:
        return _("it is not a URL.")
    if len(value) > MAX_LENGTH:
        return _("it is %(n)s characters long; a URL may be at most %(max)s.") % {"n": len(value), "max": MAX_LENGTH}
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        return _("it contains spaces or control characters; send the URL percent-encoded.")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        return _("it is not a URL.")
    if parts.scheme.lower() not in SCHEMES:
        return _("only an absolute http:// or https:// URL is accepted.")
    try:
        _valid_url(value)
    except ValidationError:
        return _("it is not a valid http:// or https:// URL.")
    if _is_internal(host):
        return _("it points to a local or private network address, which is not public.")
    return ""


def public_url(value: object) -> str:
    """``value`` if it passes the check, else "": what to store and what to show."""
    return value if isinstance(value, str) and not public_url_problem(value) else ""


def validate_public_url(value: str) -> None:
    """A validator for forms and serializers: ValidationError saying what is wrong."""
    problem = public_url_problem(value)
    if problem:
        raise ValidationError(problem, code="unsafe_url")


def _is_internal(host: str) -> bool:
    name = host.rstrip(".").lower()
    if not name or name in INTERNAL_NAMES or name.endswith(INTERNAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # a name: we never resolve it (see the module's docstring)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast
