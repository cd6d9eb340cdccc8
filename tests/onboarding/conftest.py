"""The admin suite's users and logged-in client, for the setup page's tests."""

from tests.admin.conftest import city_admin, login, regional_admin, superuser  # noqa: F401 (fixtures)
