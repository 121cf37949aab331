"""``manage.py load_instrument FILE [FILE …]`` (or ``--shipped``): load questionnaire definitions.

Each file is checked like the catalogue (a bad one is refused naming the item and the field, and
nothing of it is written). A changed file makes a new version once the current one has answers,
so stored answers keep the version that scored them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coaching.outcomes.definition import DefinitionError
from coaching.outcomes.services import instrument_file_load

SHIPPED = Path(__file__).resolve().parents[2] / "outcomes" / "instruments"


class Command(BaseCommand):
    help = "Load questionnaire (outcome instrument) definitions from YAML files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="YAML files of instruments")
        parser.add_argument(
            "--shipped", action="store_true", help="load the instruments shipped with the app"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(f) for f in options["files"]]
        if options["shipped"]:
            files += sorted(SHIPPED.glob("*.yaml"))
        if not files:
            raise CommandError("Name one or more files, or --shipped.")
        for path in files:
            try:
                instrument, what = instrument_file_load(path)
            except DefinitionError as exc:
                raise CommandError(f"{path}: not loaded:\n  " + "\n  ".join(exc.problems)) from exc
            self.stdout.write(f"{path.name}: {instrument.name} v{instrument.version} — {what}")
