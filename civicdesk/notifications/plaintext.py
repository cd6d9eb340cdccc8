"""The plain-text part of an email, laid out as mail programs expect: the product's own lines
wrapped at 78 columns, what people wrote quoted as they wrote it.

Templates quote people's words (a description, a note) with the ``quoted`` filter
(``{% load email_text %}``): every line indented, none rewrapped, a blank line before and
after. ``wrap`` then folds every other line at spaces; a word longer than the line (a link)
is never broken."""

from __future__ import annotations

import textwrap

WIDTH = 78
QUOTE = "    "


def quote(text: str) -> str:
    """``text`` indented, line by line, as written (blank lines kept blank)."""
    return "\n".join(QUOTE + line.rstrip() if line.strip() else "" for line in str(text).strip("\n").splitlines())


def wrap(text: str, width: int = WIDTH) -> str:
    """Fold the lines that do not start with a space (the product's own) at ``width``;
    quoted lines and links are left whole."""
    folded = []
    for line in text.split("\n"):
        if len(line) <= width or line[:1].isspace():
            folded.append(line)
        else:
            folded.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [line])
    return "\n".join(folded)
