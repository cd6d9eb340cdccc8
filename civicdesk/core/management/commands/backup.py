"""``manage.py backup --output DIR``: the database and the photos, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's online backup) and MEDIA_ROOT into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="A new (or empty) folder for this backup.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(output=Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {manifest['engine']} database ({counts}) and {manifest['media_files']} "
                f"media file(s) to {options['output']}"
            )
        )
