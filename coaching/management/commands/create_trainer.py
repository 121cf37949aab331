"""``manage.py create_trainer``: onboard a practice's first people from the command line."""

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coaching.accounts.services import trainer_create
from coaching.models import Practice


class Command(BaseCommand):
    help = (
        "Onboard a trainer (or, with --admin, the practice admin) of a practice; the practice is "
        "created if it does not exist yet. Asks for the password when --password is not given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--practice", required=True, help="the practice's name")
        parser.add_argument("--admin", action="store_true", help="make them the practice admin")
        parser.add_argument("--password", help="otherwise asked for (twice)")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = opts["password"]
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        practice, created = Practice.objects.get_or_create(name=opts["practice"])
        try:
            trainer = trainer_create(
                practice=practice,
                username=opts["username"],
                password=password,
                email=opts["email"],
                first_name=opts["first_name"],
                last_name=opts["last_name"],
                is_practice_admin=opts["admin"],
            )
        except ValidationError as exc:
            if created:
                practice.delete()
            raise CommandError("; ".join(exc.messages)) from exc
        role = "practice admin" if trainer.is_practice_admin else "trainer"
        self.stdout.write(
            self.style.SUCCESS(
                f"{trainer.user.username} is a {role} of {practice.name}"
                + (" (new practice)" if created else "")
                + ". They sign in at /admin/."
            )
        )
