"""Signing in and reading the signed-in user, with the user's city and department.

Every staff page shows the user's city and department and reads the city's time zone and the
version of its short lists (tenants/reference.py): reading them with the user, in the query the
session makes anyway, saves one query on every page. The city's limits (GeoJSON of tens of kB)
are left out; the map's own view reads them when it is asked.

The row is read afresh on every request (a user made inactive, or moved to another city, is
seen on their next page), by one plain statement (core/sql.py): Django building and compiling
that join was most of the CPU of reading the user, on every staff page.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import router

from civicdesk.accounts.models import User
from civicdesk.core.sql import Columns, column_of, first_row, table_of
from civicdesk.tenants.models import City, Department

_USER = Columns(User, "u")
_CITY = Columns(City, "c", leave_out=("boundary",))
_DEPARTMENT = Columns(Department, "d")


@functools.cache
def _statement(alias: str) -> str:
    """``SELECT`` the user, their city and their department, by the user's id."""
    # The tables' and columns' names come from the models; the user's id is a parameter.
    return (
        f"SELECT {_USER.select(alias)}, {_CITY.select(alias)}, {_DEPARTMENT.select(alias)}"  # noqa: S608
        f" FROM {table_of(User, alias)} u"
        f" LEFT JOIN {table_of(City, alias)} c ON c.{column_of(City, 'id', alias)} = u.{column_of(User, 'city', alias)}"
        f" LEFT JOIN {table_of(Department, alias)} d"
        f" ON d.{column_of(Department, 'id', alias)} = u.{column_of(User, 'department', alias)}"
        f" WHERE u.{column_of(User, 'id', alias)} = %s"
    )


def user_with_city(user_id: Any) -> User | None:
    """The user of this id with their city (its limits deferred) and department, as
    ``User.objects.select_related("city", "department").defer("city__boundary")`` reads them;
    None when there is no such user."""
    alias = router.db_for_read(User)
    row = first_row(User, _statement(alias), [user_id], using=alias)
    if row is None:
        return None
    n_user, n_city = len(_USER), len(_CITY)
    user: User = _USER.build(alias, row[:n_user])
    city_values, department_values = row[n_user : n_user + n_city], row[n_user + n_city :]
    city = _CITY.build(alias, city_values) if user.city_id is not None else None
    department = _DEPARTMENT.build(alias, department_values) if user.department_id is not None else None
    User._meta.get_field("city").set_cached_value(user, city)  # type: ignore[union-attr]
    User._meta.get_field("department").set_cached_value(user, department)  # type: ignore[union-attr]
    return user


class UserWithCityBackend(ModelBackend):
    """Django's model backend (passwords, permissions, inactive users refused), whose
    ``get_user`` reads the city and department in the same query."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_city(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
