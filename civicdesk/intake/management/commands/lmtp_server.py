"""``manage.py lmtp_server``: receive a city mail server's messages over LMTP and turn them into cases."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicdesk.intake.lmtp import lmtp_controller


class Command(BaseCommand):
    help = "Run the LMTP receiver: each message to a city's intake address becomes a case."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8024, help="Port to listen on (default 8024).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        controller = lmtp_controller(host=options["host"], port=options["port"])
        controller.start()
        self.stdout.write(f"LMTP receiver listening on {options['host']}:{options['port']}; Ctrl-C stops.")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            controller.handler.close()
