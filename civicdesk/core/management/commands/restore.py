"""``manage.py restore DIR``: a backup into an empty database and an empty MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="The backup folder (with manifest.json).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(source=Path(options["source"]))
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name, expected in result["expected"].items():
            self.stdout.write(f"{name:<16} {result['restored'].get(name, 0):>8} (backup: {expected})")
        if result["restored"] != result["expected"]:
            raise CommandError("The restored database does not hold what the backup recorded (counts above).")
        self.stdout.write(self.style.SUCCESS(f"Restored {options['source']}; {result['media_files']} media file(s)."))
