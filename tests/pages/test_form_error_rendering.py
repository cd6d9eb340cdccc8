"""The one rendering of form errors every form shares (civicdesk/core/forms.py and the
form_errors tags): a field in error is described by its message, also when its widget names a
help text of its own; the message has that id; the summary links each mistake to its field;
the title says "Error: " only once a form was sent back."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils import translation


class CallerForm(forms.Form):
    email = forms.EmailField(label="Caller's email", widget=forms.EmailInput(attrs={"aria-describedby": "email-help"}))
    name = forms.CharField(label="Name")
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    error_anchors = {"lat": "the-map"}


PAGE = Template(
    "{% load form_errors %}<title>{% error_title %}Page</title>{% error_summary form 'Please check:' %}"
    "{{ form.email }}{% field_errors form.email %}{{ form.name }}{% field_errors form.name %}"
)


def _render(form: forms.Form) -> str:
    return PAGE.render(Context({"form": form}))


def test_a_field_in_error_is_invalid_and_described_by_its_own_help_and_its_message() -> None:
    form = CallerForm({"email": "nope", "name": "Rita", "lat": "x"})
    assert not form.is_valid()
    html = _render(form)
    assert 'aria-describedby="email-help id_email_error"' in html and 'aria-invalid="true"' in html
    assert '<span class="error field-error" id="id_email_error">Enter a valid email address.</span>' in html
    assert 'id="id_name_error"' not in html and "id_name_error" not in html


def test_the_summary_links_each_mistake_to_its_field_and_the_title_says_error() -> None:
    form = CallerForm({"email": "nope", "lat": "x"})
    form.is_valid()
    html = _render(form)
    assert html.startswith("<title>Error: Page</title>")
    assert '<div class="error-summary" role="alert" tabindex="-1" id="error-summary" data-error-summary>' in html
    assert '<a href="#id_email">Caller&#x27;s email: Enter a valid email address.</a>' in html
    assert '<a href="#id_name">Name: This field is required.</a>' in html
    assert '<a href="#the-map">Enter a number.</a>' in html  # a hidden field: where to fix it


def test_a_form_not_sent_or_sent_right_has_no_error_title_nor_summary() -> None:
    for form in (CallerForm(), CallerForm({"email": "rita@example.org", "name": "Rita"})):
        form.is_valid()
        html = _render(form)
        assert html.startswith("<title>Page</title>") and "error-summary" not in html and "aria-invalid" not in html


def test_the_error_title_is_spanish_too() -> None:
    form = CallerForm({})
    form.is_valid()
    with translation.override("es"):
        assert _render(form).startswith("<title>Error: Page</title>")
