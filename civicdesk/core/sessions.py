"""Django's database sessions, with the session read by one plain statement.

Every staff request reads its session before anything else; building and compiling the ORM's
``Session.objects.get(session_key=…, expire_date__gt=now)`` cost several times the database's
own work. The statement here asks the same (the key, not yet expired) and everything else, the
writing, the expiry, the clearing of old sessions, is Django's (``SESSION_ENGINE``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from civicdesk.core.sql import first_row

# django.contrib.sessions.models.Session's table and columns.
_SESSION_DATA = "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s"


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        model = self.model
        alias = router.db_for_read(model)
        now = connections[alias].ops.adapt_datetimefield_value(timezone.now())
        row = first_row(model, _SESSION_DATA, [self.session_key, now], using=alias)
        if row is None:
            self._session_key = None  # a new session is started, as Django's store does
            return None
        return model(session_key=str(self.session_key), session_data=row[0])
