"""Text as a city wrote it, with the language it is written in (WCAG 3.1.2 Language of Parts).

What a city's administrator types (a question, its choices, a type's group, a measure's
name) is in the site's main language (``settings.LANGUAGE_CODE``) unless the city gave a
Spanish version too. On a page in another language such text must say its language, or a
screen reader speaks English with Spanish rules. ``Written`` is a ``str`` that knows its
language (``written(main, spanish, language)`` picks one); ``{{ text|as_written }}``
(core/templatetags/written.py) writes any city-entered text, marking it with ``lang`` where it
differs from the page's; ``WrittenChoices`` does the same for a widget's options and groups.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


class Written(str):
    """A piece of city-entered text and the language it is written in."""

    language: str

    def __new__(cls, text: str, language: str) -> Written:
        made = super().__new__(cls, text)
        made.language = language
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        # Copied (a form's fields are deep-copied) and pickled (a cache) with its language.
        return (Written, (str(self), self.language))


class WrittenMarkup(Written):
    """Markup, already escaped, in ``language``, whose parts in another language say their
    own: the label "<span lang="en">Bulky item</span> (retirado)" is Spanish, the type's
    name inside it English. Shown as it is (``__html__``), and given no ``lang`` of its own
    on a page in ``language`` (an ``<option>`` of ``console.forms.QuickSelect``)."""

    def __html__(self) -> str:
        return str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (WrittenMarkup, (str(self), self.language))


def written(main: str, spanish: str, language: str) -> Written:
    """The Spanish version for a page in Spanish when the city gave one, else the main text."""
    if language.startswith("es") and spanish:
        return Written(spanish, "es")
    return Written(main, settings.LANGUAGE_CODE)


def language_of(text: Any) -> str:
    """The language ``text`` is written in: a ``Written``'s own; the page's for a message of
    the catalog (a lazy translation, translated as it is shown); else the site's main
    language, the one cities type in."""
    if isinstance(text, Written):
        return text.language
    if isinstance(text, Promise):
        return translation.get_language() or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


def lang_if_other(text: Any, page_language: str | None = None) -> str:
    """The ``lang`` ``text`` needs on a page in ``page_language`` (the active one): "" when
    it is the page's own language."""
    own = language_of(text)
    page = page_language or translation.get_language() or settings.LANGUAGE_CODE
    return "" if own.split("-")[0].lower() == page.split("-")[0].lower() else own


class WrittenChoices:
    """A choice widget (a mixin before Select, CheckboxSelectMultiple…) whose option and
    group labels may be ``Written``: each says its language where it differs from what it
    sits in (the page, or its group's ``<optgroup lang>``). The select and options are drawn
    by core/widgets/ templates that put ``lang`` on the element holding the text."""

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> list[Any]:
        groups = super().optgroups(name, value, attrs)  # type: ignore[misc]
        page = translation.get_language() or settings.LANGUAGE_CODE
        for group_name, options, _index in groups:
            group_lang = lang_if_other(group_name, page) if group_name else ""
            around = group_lang or page
            for option in options:
                label_lang = language_of(option["label"]) if option["value"] not in ("", None) else page
                if label_lang.split("-")[0] != around.split("-")[0]:
                    option["lang"] = label_lang
        return groups


class WrittenSelect(WrittenChoices, forms.Select):
    template_name = "core/widgets/written_select.html"
    option_template_name = "core/widgets/written_select_option.html"


class WrittenCheckboxes(WrittenChoices, forms.CheckboxSelectMultiple):
    option_template_name = "core/widgets/written_input_option.html"
