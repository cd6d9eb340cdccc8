"""The English that residents, staff, administrators and council readers see is American: the
five member cities are in Missouri. Read from where that English is written: the msgids of the
Spanish catalogue (every marked string of the templates and the Python code), the text of
every template outside the translate tags (emails, PDFs, pages), and the help of the
project's management commands.

Placeholders, template variables and HTML attribute names are code, not text (``%(metres)s``,
``aria-labelledby``); proper names keep their spelling (``ALLOWED``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

BASE = Path(settings.BASE_DIR)
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.po"
TEMPLATE_DIRS = [BASE / "templates", *sorted((BASE / "civicdesk").glob("*/templates"))]

# British spellings (and the tick box) a US city does not write. Whole words, any case.
BRITISH = re.compile(
    r"\b(?:"
    r"\w*(?:colour|odour|neighbour|favour|honour|labour|behaviour|flavour|humour|rumour|harbour)\w*"
    r"|(?:kilo|centi|milli)?metres?|litres?|centres?|centred|catalogues?|catalogued|licences?|programmes?"
    r"|kerbs?|grey|fortnights?|whilst|amongst|judgement|acknowledgements?|tyres?|ageing|per\s+cents?"
    r"|cancell(?:ed|ing)|travell(?:ed|ing|er)|labell(?:ed|ing)|modell(?:ed|ing)|analys(?:e|ed|ing)"
    r"|(?:un)?tick(?:ed|ing)?"
    r"|(?:recogni|organi|prioriti|summari|authori|apologi|reali|customi|minimi|maximi|finali|categori"
    r"|normali|initiali|optimi|utili|speciali|standardi|synchroni|visuali|memori|characteri|critici"
    r"|saniti|seriali|locali|personali|centrali|anonymi|emphasi)s(?:e|ed|es|ing|ations?)"
    r")\b",
    re.IGNORECASE,
)
# Proper names written the way their owners write them.
ALLOWED = ("Open Government Licence",)

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%%|\{\{.*?\}\}")
# Attributes whose value a person reads or hears; every other attribute is markup.
READ_ATTRIBUTES = re.compile(
    r"""\s(?:title|alt|placeholder|aria-label|aria-description|value|content|label|data-msg-[\w-]+)\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)')"""
)


def british_words(text: str) -> list[str]:
    for name in ALLOWED:
        text = text.replace(name, " ")
    return BRITISH.findall(PLACEHOLDER.sub(" ", text))


def catalogue_msgids(path: Path = CATALOGUE) -> list[str]:
    """Every English msgid (and msgid_plural) of a .po file, each joined from its lines."""
    found: list[str] = []
    target = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgid", "msgid_plural"):
            target = keyword
            found.append(rest[1:-1])
        elif line.startswith('"') and target:
            found[-1] += line[1:-1]
        else:
            target = ""
    return [msgid.replace('\\"', '"').replace("\\n", "\n") for msgid in found if msgid]


def template_text(source: str) -> str:
    """What a template shows, roughly: its literal text, the strings of its translate tags and
    the values of the attributes people read, without comments, variables or other tags."""
    text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<!--.*?-->", " ", source, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(
        r"\{%\s*(?:translate|trans)\s+(?:\"([^\"]*)\"|'([^']*)').*?%\}",
        lambda m: m.group(1) if m.group(1) is not None else m.group(2),
        text,
        flags=re.S,
    )
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    return re.sub(
        r"<[a-zA-Z!/][^>]*>",
        lambda tag: " ".join(a or b for a, b in READ_ATTRIBUTES.findall(tag.group(0))) or " ",
        text,
    )


def test_the_english_messages_of_the_catalogue_are_spelled_as_americans_write() -> None:
    found = {msgid: british_words(msgid) for msgid in catalogue_msgids()}
    found = {msgid: words for msgid, words in found.items() if words}
    assert not found, (
        "British spelling in English messages (locale/es/LC_MESSAGES/django.po, from the templates and the "
        f"code): {found}. Write American English, then re-key the Spanish catalogue (docs/translations.md)."
    )


def test_the_templates_text_is_spelled_as_americans_write() -> None:
    templates = [p for d in TEMPLATE_DIRS for p in sorted(d.rglob("*")) if p.suffix in (".html", ".txt", ".xml")]
    assert len(templates) > 50
    found = {
        str(path.relative_to(BASE)): words
        for path in templates
        if (words := british_words(template_text(path.read_text(encoding="utf-8"))))
    }
    assert not found, f"British spelling in the templates' text: {found}. Write American English."


def test_the_management_commands_help_is_spelled_as_americans_write() -> None:
    ours = sorted(name for name, app in get_commands().items() if app.startswith("civicdesk"))
    assert "catalog_import" in ours and "load_demo" in ours
    found = {}
    for name in ours:
        parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
        text = re.sub(r"--?[\w-]+", " ", parser.format_help())  # options and metavars are typed, not read
        if words := british_words(text):
            found[name] = words
    assert not found, f"British spelling in `manage.py <command> --help`: {found}. Write American English."


@pytest.mark.parametrize(
    "text",
    [
        "For “Around a point”: click or tap the map to put the pin at the centre.",
        "radius must be from 1 to %(m)s metres.",
        "Import the catalogue",
        "Untick to refuse the application's reports.",
        "Per cent of the target",
        "a neighbour's list",
        "The case was cancelled",
        "Prioritise the oldest; we recognised it",
        "the kerb, a fortnight, whilst",
        "Open Government Licence, and a licence",
    ],
)
def test_the_check_finds_british_spelling(text: str) -> None:
    assert british_words(text)


@pytest.mark.parametrize(
    "text",
    [
        "Put the pin at the center; %(metres)s m from the point",
        "Import the catalog. Uncheck to refuse. Percent of the target. A neighbor's list.",
        "The case was canceled; a cancellation. Analyses, analysis, emphasis, realistic, a ticket.",
        "Data under the Open Government Licence",
        "{{ item.metres }} m away",
        "Check this only for a map drawn for a demo.",
    ],
)
def test_the_check_leaves_american_spelling_code_and_proper_names_alone(text: str) -> None:
    assert not british_words(text)


def test_the_check_reads_template_text_not_markup() -> None:
    source = (
        '<section aria-labelledby="similar-h" class="centre-x">{# the map centre #}'
        "{% blocktranslate with m=near.metres %}{{ m }} m away{% endblocktranslate %}"
        "<div data-msg-pin=\"{% translate 'Centre' %}\" title='Pick a colour'></div></section>"
    )
    assert british_words(template_text(source)) == ["Centre", "colour"]
