"""Every URL pattern of the project, read from the URLconf, and concrete paths for them.

The security tests walk these instead of a hand-written list, so a view added tomorrow is
checked (CSRF, leaks, who may open it) without anyone remembering to add it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, for messages
    params: tuple[str, ...]
    callback: Any

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            params = tuple(sorted(pattern.pattern.regex.groupindex))
            yield Route(name=name, route=prefix + str(pattern.pattern), params=params, callback=pattern.callback)


def routes() -> list[Route]:
    """Every named URL pattern (the same name twice is kept once: reverse finds the first)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault(route.name, route)
    return list(seen.values())


def paths(
    route: Route, values: Mapping[str, Sequence[Any]], overrides: Mapping[tuple[str, str], Sequence[Any]] = {}
) -> list[str]:
    """Every path of ``route`` over the candidate values of its parameters (per route
    overrides first); values the pattern refuses are skipped."""
    return [url for url, _kwargs in filled(route, values, overrides)]


def filled(
    route: Route, values: Mapping[str, Sequence[Any]], overrides: Mapping[tuple[str, str], Sequence[Any]] = {}
) -> list[tuple[str, dict[str, Any]]]:
    """Like ``paths``, with the parameter values each path was built from (so a caller can
    tell which object a path is about)."""
    choices = [list(overrides.get((route.name, p), values.get(p, ["1"]))) for p in route.params]
    found = []
    for combo in itertools.product(*choices):
        kwargs = dict(zip(route.params, combo, strict=True))
        try:
            found.append((reverse(route.name, kwargs=kwargs), kwargs))
        except NoReverseMatch:
            continue
    return found
