"""Outgoing mail as files: one ``.eml`` file per message, the default of ``make run``
(EMAIL_URL ``file://…``), so nothing leaves the machine and each email opens in a mail client.

Django's own file backend appends every message of a connection to one ``.log`` file, with
separator lines between them: no mail client opens that.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    """Writes each message, as it would go over SMTP (RFC 5322, with its Date and Message-ID),
    to ``<EMAIL_FILE_PATH>/<UTC time>-<random>.eml``. A file appears whole or not at all: it is
    written under a temporary name and then renamed."""

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set only with a file:// EMAIL_URL (config/env.py), so not known to the settings stubs.
        self.file_path = Path(file_path or getattr(settings, "EMAIL_FILE_PATH"))  # noqa: B009

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        sent = 0
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                self._write(message)
                sent += 1
        except OSError:
            if not self.fail_silently:
                raise
        return sent

    def _write(self, message: EmailMessage) -> None:
        data = message.message().as_bytes()
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.file_path, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.file_path / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
