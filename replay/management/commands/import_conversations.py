import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from replay.importing import Progress, import_file
from replay.management.teams import team_given
from replay.reading import ReplayInputError, count_lines


class Command(BaseCommand):
    help = (
        "Import a team's past conversations (JSONL, the replay format) into the live system: "
        "each becomes a closed ticket marked imported, and each resolved one is learned from, "
        "so the team's curation queue fills with proposed knowledge. Running it again adds "
        "nothing already imported, so a stopped import goes on where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("conversations", help="JSONL file, one conversation per line")
        parser.add_argument(
            "--team", help="slug or name of the team for lines that name none (a line's own wins)"
        )
        parser.add_argument(
            "--no-learn", action="store_true", help="import the tickets without learning from them"
        )
        parser.add_argument(
            "--create-teams",
            action="store_true",
            help="create the teams the lines name that are not here (else such lines are skipped)",
        )
        parser.add_argument(
            "--progress",
            choices=["bar", "none"],
            default="bar",
            help="a progress bar on stderr, or nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["conversations"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        default = team_given(options["team"]) if options["team"] else None
        self.bar = self._bar(count_lines(path), options["progress"])
        self.started = time.perf_counter()
        self.shown = 0
        self.latest = Progress()
        try:
            done = import_file(
                path,
                default=default,
                learn=not options["no_learn"],
                create_teams=options["create_teams"],
                progress=self._advance,
            )
        except ReplayInputError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self._close()
            self.stdout.write(self._summary(self.latest))
            raise CommandError(
                "Interrupted. What was imported stays; run the same command again to go on.",
                returncode=130,
            ) from None
        self._warn(done)
        self._close()
        self.stdout.write(self._summary(done))
        if done.teams_created:
            self.stdout.write(f"teams created (no members yet): {', '.join(done.teams_created)}")
        if done.teams_missing:
            self.stdout.write(
                f"teams not here, their lines skipped: {', '.join(done.teams_missing)} "
                "(--create-teams creates them)"
            )
        if done.warnings:
            self.stdout.write(f"{len(done.warnings)} lines skipped")
            sys.exit(1)

    def _bar(self, total: int, mode: str) -> Any:
        if mode != "bar":
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit=" conversations", file=sys.stderr, dynamic_ncols=True)

    def _advance(self, done: Progress) -> None:
        self.latest = done
        self._warn(done)
        if self.bar is not None:
            rate = done.messages / max(time.perf_counter() - self.started, 1e-6)
            self.bar.set_postfix_str(f"{done.messages} messages, {rate:.0f}/s", refresh=False)
            self.bar.update(done.conversations - self.bar.n)

    def _warn(self, done: Progress) -> None:
        for warning in done.warnings[self.shown :]:
            if self.bar is not None:
                self.bar.write(f"skipped {warning}", file=sys.stderr)
            else:
                self.stderr.write(f"skipped {warning}")
        self.shown = len(done.warnings)

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _summary(self, done: Progress) -> str:
        rate = done.messages / max(time.perf_counter() - self.started, 1e-6)
        return (
            f"imported {done.imported} conversations ({done.messages} messages, {rate:.0f}/s); "
            f"{done.already} were imported before; "
            f"{done.learned} knowledge entries proposed or supported"
        )
