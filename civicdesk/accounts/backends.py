"""Signing in and reading the signed-in user, with the user's city and department.

Every staff page shows the user's city and department and reads the city's time zone and the
version of its short lists (tenants/reference.py): reading them with the user, in the query the
session makes anyway, saves one query on every page. The city's limits (GeoJSON of tens of kB)
are left out; the map's own view reads them when it is asked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from civicdesk.accounts.models import User


class UserWithCityBackend(ModelBackend):
    """Django's model backend (passwords, permissions, inactive users refused), whose
    ``get_user`` reads the city and department in the same query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("city", "department").defer("city__boundary").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
