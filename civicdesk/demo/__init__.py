"""The five-city demo: places, catalogue, staff and three months of cases (CIVICDESK_DEMO_DAYS for more).

``python manage.py load_demo`` loads it (see ``civicdesk.demo.loader``). Importing this
package needs no Django setup, so ``logins()`` can be printed by anything.
"""

from __future__ import annotations


def logins() -> list[tuple[str, str, str]]:
    """The demo accounts as (username, password, what they can do), for the README and banner."""
    from civicdesk.demo.staff import DEMO_PASSWORD, STAFF

    return [(s.username, DEMO_PASSWORD, s.can_do) for s in STAFF]
