"""``{% kept %}…{% endkept %}``: a piece of a template rendered once per process and language.

Every page repeats the same markup around its content: the stylesheets and scripts (each a
``{% static %}`` look-up in the manifest), the links of the console's menu (each a URL
reversed), a dozen translated messages for the offline queue. Rendered afresh, that is about a
millisecond of every page. Inside ``{% kept %}`` it is rendered the first time and the same
text given after, per process, for each language and each value of the tag's arguments:

    {% kept %}<script src="{% static 'civicdesk/portal.js' %}" defer></script>{% endkept %}
    {% kept nav user.is_regional_admin %}…the menu, marking the current item…{% endkept %}

What is inside may depend only on the language and on those arguments: never a CSRF token, a
visitor's name, the request's path or anything read from the database. URLs and static files
do not change while a process runs (a deploy restarts it). At most ``MOST_COPIES`` copies are
kept per piece: an argument with unbounded values renders afresh once they are reached.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

MOST_COPIES = 64


class KeptNode(Node):
    def __init__(self, nodelist: NodeList, arguments: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.arguments = arguments
        self.copies: dict[tuple[Any, ...], SafeString] = {}  # lives with the compiled template: per process

    def render(self, context: Context) -> SafeString:
        key = (translation.get_language(), *(argument.resolve(context) for argument in self.arguments))
        copy = self.copies.get(key)
        if copy is None:
            copy = mark_safe(self.nodelist.render(context))  # noqa: S308 (the template's own output)
            if len(self.copies) < MOST_COPIES:
                self.copies[key] = copy
        return copy


@register.tag
def kept(parser: Parser, token: Token) -> KeptNode:
    arguments = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, arguments)
