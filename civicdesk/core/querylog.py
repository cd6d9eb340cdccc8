"""Bulk jobs and DEBUG's query log."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def forget_queries() -> None:
    """Drop the query log DEBUG keeps (up to 9,000 statements, each bulk insert's SQL whole,
    megabytes each): a long bulk job would otherwise grow with its work. A test counting
    queries forces the log on, and is left alone."""
    if settings.DEBUG and not connection.force_debug_cursor:
        connection.queries_log.clear()
