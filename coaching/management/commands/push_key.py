"""``manage.py push_key``: a new VAPID private key for Web Push (``VAPID_PRIVATE_KEY``).

``--dev`` writes it to ``var/vapid-private-key`` unless one is there (``make run`` does this, so a
local run can send notifications with no configuration); otherwise the key is printed."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from coaching.reminders.push import generate_private_key


class Command(BaseCommand):
    help = "Make a VAPID private key for Web Push (print it, or --dev: keep one in var/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dev", action="store_true", help="Write var/vapid-private-key if it is missing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["dev"]:
            self.stdout.write(generate_private_key())
            return
        path = settings.DEV_VAPID_FILE
        if path.exists():
            return
        path.parent.mkdir(exist_ok=True)
        path.write_text(generate_private_key() + "\n")
        path.chmod(0o600)
        self.stdout.write(f"Web Push: a development key written to {path}")
