"""Reading a page sent back with mistakes as a screen reader meets it (civicdesk/core/forms.py):
its summary (the element portal.js focuses, its links), its title and the boxes marked invalid,
each with the ids that describe it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ErrorPage:
    title: str = ""
    summary_id: str = ""  # the element with data-error-summary (focused when the page opens)
    summary_tabindex: str = ""
    summary_text: str = ""
    links: list[str] = field(default_factory=list)  # the summary's links, without "#"
    invalid: dict[str, list[str]] = field(default_factory=dict)  # id -> the ids describing it
    ids: set[str] = field(default_factory=set)
    texts: dict[str, str] = field(default_factory=dict)  # id -> its text, for the describing ones

    def described(self, element_id: str) -> str:
        """What a screen reader says after the box's name: the text of what describes it."""
        return " ".join(self.texts.get(i, "") for i in self.invalid.get(element_id, []))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ErrorPage()
        self.open: list[tuple[str, str]] = []  # (tag, id) of the elements whose text is kept
        self.in_title = False
        self.summary_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self.in_title = True
        if a.get("id"):
            self.page.ids.add(a["id"])
            if tag not in ("input", "img", "br", "meta", "link"):
                self.open.append((tag, a["id"]))
                self.page.texts.setdefault(a["id"], "")
        if "data-error-summary" in a:
            self.page.summary_id = a.get("id", "")
            self.page.summary_tabindex = a.get("tabindex", "")
        if a.get("aria-invalid") == "true" and a.get("id"):
            self.page.invalid[a["id"]] = a.get("aria-describedby", "").split()
        if tag == "a" and self.page.summary_id and self._inside(self.page.summary_id):
            self.page.links.append(a.get("href", "").removeprefix("#"))

    def _inside(self, element_id: str) -> bool:
        return any(i == element_id for _, i in self.open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        for n in range(len(self.open) - 1, -1, -1):
            if self.open[n][0] == tag:
                del self.open[n]
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
        for _, element_id in self.open:
            self.page.texts[element_id] += data
        if self.page.summary_id and self._inside(self.page.summary_id):
            self.page.summary_text += data


def read_error_page(html: str) -> ErrorPage:
    reader = _Reader()
    reader.feed(html)
    page = reader.page
    page.texts = {k: " ".join(v.split()) for k, v in page.texts.items()}
    page.summary_text = " ".join(page.summary_text.split())
    page.title = " ".join(page.title.split())
    return page


def assert_told_as_every_form(html: str, *, field: str, says: str, title_starts: str = "Error: ") -> ErrorPage:
    """The shared rendering, read off the page: "Error: " heads the title, a focusable summary
    with ``says`` links to ``field``, which is marked invalid and described by text that exists
    and says it too (every aria-describedby of an invalid box names an element of the page)."""
    page = read_error_page(html)
    assert page.title.startswith(title_starts), page.title
    assert page.summary_id and page.summary_tabindex == "-1", page.summary_id
    assert says in page.summary_text, page.summary_text
    assert field in page.links, page.links
    assert all(link in page.ids for link in page.links if link), page.links
    assert field in page.invalid, page.invalid
    assert all(i in page.ids for ids in page.invalid.values() for i in ids), page.invalid
    assert says in page.described(field), page.described(field)
    return page
