import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from knowledge import importing
from tickets.models import Team


class Command(BaseCommand):
    help = (
        "Import knowledge from a JSONL file ({id, question, answer, tags, source} per line) or "
        "a folder of Markdown files (one entry per file, or per '## ' heading). Idempotent on "
        "the entry id. Lines with errors are reported by number and skipped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="a .jsonl file, a .md file or a folder of .md files")
        parser.add_argument(
            "--approve", action="store_true", help="approve entries on import (a trusted base)"
        )
        parser.add_argument("--team", help="slug of the team the entries serve (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        team = None
        if options["team"]:
            team = Team.objects.filter(slug=options["team"]).first()
            if team is None:
                slugs = ", ".join(Team.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"No team {options['team']!r} (teams: {slugs}).")
        result = importing.ImportResult()
        try:
            rows = importing.read_rows(path, result.errors)
        except importing.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()
        progress = self._progress(len(rows), started)
        importing.import_rows(
            rows,
            approve=options["approve"],
            team=team,
            actor=None,
            result=result,
            progress=progress,
        )
        elapsed = time.monotonic() - started
        if rows:
            self.stderr.write("")
        for error in result.errors:
            self.stderr.write(self.style.ERROR(f"skipped {error}"))
        rate = result.total / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.approved} approved, {len(result.errors)} skipped "
            f"in {elapsed:.1f} s ({rate:.0f} entries/s)."
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} entries were skipped; see above.")

    def _progress(self, total: int, started: float) -> Any:
        interactive = sys.stderr.isatty()

        def show(done: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            bar = "#" * int(30 * done / total) if total else ""
            line = f"Importing [{bar:<30}] {done}/{total} ({rate:.0f} entries/s)"
            self.stderr.write(
                ("\r" if interactive else "") + line, ending="" if interactive else "\n"
            )

        return show
