"""The words of a photo box drawn in the page's language.

The browser writes its file box in its own language ("Choose Files", "No file chosen"):
English on a Spanish page when the phone or the desk's browser is in English. ``portal.js``
(``photoPickers``) puts a button and a line of these words beside every file box that carries
them, on the report form (``portal/forms.py`` ``photo_limits``) and on the console's case page
(``{% photo_picker %}``), on load and after each htmx swap. Without JavaScript the browser's
own box shows.
"""

from __future__ import annotations

from django.utils.translation import gettext


def photo_picker_words() -> dict[str, str]:
    """The ``data-msg-*`` attributes ``photoPickers`` reads, in the active language."""
    return {
        "data-msg-choose": gettext("Choose photos"),
        "data-msg-chosen-none": gettext("No photo chosen"),
        "data-msg-chosen-many": gettext("%(n)s photos chosen") % {"n": "%(n)s"},
    }
