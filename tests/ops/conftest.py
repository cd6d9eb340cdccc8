"""Fixtures of the operations tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection


@pytest.fixture
def database_url(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    """A new, empty database for a server a test starts (it migrates it itself): on the
    suite's PostgreSQL cluster with --postgres, else a SQLite file."""
    if connection.vendor == "postgresql":
        name = f"ops_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path}/prod.sqlite3"
