"""``manage.py load_catalogue``: upsert the catalogue from its data file."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.loader import CatalogueFileError, read_catalogue
from exercises.services import CatalogueError, catalogue_load


class Command(BaseCommand):
    help = (
        "Upsert the exercise catalogue from its data file, by slug, in one transaction. "
        "Running it twice changes nothing. A malformed file is refused and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=settings.CATALOGUE_FILE, help="the YAML data file"
        )
        parser.add_argument(
            "--new-only",
            action="store_true",
            help="only add exercises that are missing; keep existing ones (and admin edits)",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete exercises absent from the file; those in use are retired, never deleted",
        )

    def handle(self, *args: object, file: Path, new_only: bool, prune: bool, **options: object):
        try:
            catalogue = read_catalogue(file)
            report = catalogue_load(catalogue=catalogue, prune=prune, new_only=new_only)
        except (CatalogueFileError, CatalogueError) as exc:
            raise CommandError(f"{exc}\nNothing was written.") from exc
        self.stdout.write(self.style.SUCCESS(f"catalogue {file.name}: {report.summary()}"))
        for slug in report.kept_in_use:
            self.stdout.write(f"  kept (in use, retired instead of deleted): {slug}")
