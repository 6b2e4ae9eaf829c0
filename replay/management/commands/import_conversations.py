import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from replay.importing import ImportSkipped, conversation_import
from replay.reading import ReplayInputError, count_lines, read_conversations
from tickets.models import Team


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
            "--progress",
            choices=["bar", "none"],
            default="bar",
            help="a progress bar on stderr, or nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["conversations"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        default = self._team(options["team"]) if options["team"] else None
        teams = {team.slug: team for team in Team.objects.all()}
        warnings: list[str] = []
        counts = {"imported": 0, "already": 0, "messages": 0, "learned": 0}
        bar = self._bar(count_lines(path), options["progress"])
        started = time.perf_counter()
        try:
            for conversation in read_conversations(path, warnings):
                self._warn(warnings, bar)
                team = teams.get(conversation.team) if conversation.team else default
                if team is None:
                    warnings.append(self._no_team(conversation.line, conversation.team))
                else:
                    try:
                        done = conversation_import(
                            conversation, team=team, learn=not options["no_learn"]
                        )
                    except ImportSkipped as exc:
                        warnings.append(f"line {conversation.line}: {exc}")
                    else:
                        key = "already" if done.ticket is None else "imported"
                        counts[key] += 1
                        counts["messages"] += done.messages
                        counts["learned"] += done.learned
                self._advance(bar, counts, started)
            self._warn(warnings, bar)
        except ReplayInputError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self._close(bar)
            self.stdout.write(self._summary(counts, started))
            raise CommandError(
                "Interrupted. What was imported stays; run the same command again to go on.",
                returncode=130,
            ) from None
        self._close(bar)
        self.stdout.write(self._summary(counts, started))
        if warnings:
            self.stdout.write(f"{len(warnings)} lines skipped")
            sys.exit(1)

    def _team(self, given: str) -> Team:
        team = Team.objects.filter(Q(slug=given) | Q(name__iexact=given)).first()
        if team is None:
            names = ", ".join(Team.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No team {given!r} (teams: {names}).")
        return team

    @staticmethod
    def _no_team(line: int, slug: str) -> str:
        if slug:
            return f"line {line}: no team {slug!r} here (create it first, or drop the line's team)"
        return f"line {line}: the conversation names no team; give --team for such lines"

    def _bar(self, total: int, mode: str) -> Any:
        if mode != "bar":
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit=" conversations", file=sys.stderr, dynamic_ncols=True)

    def _advance(self, bar: Any, counts: dict[str, int], started: float) -> None:
        if bar is None:
            return
        rate = counts["messages"] / max(time.perf_counter() - started, 1e-6)
        bar.set_postfix_str(f"{counts['messages']} messages, {rate:.0f}/s", refresh=False)
        bar.update(1)

    def _warn(self, warnings: list[str], bar: Any) -> None:
        shown = getattr(self, "_shown", 0)
        for warning in warnings[shown:]:
            if bar is not None:
                bar.write(f"skipped {warning}", file=sys.stderr)
            else:
                self.stderr.write(f"skipped {warning}")
        self._shown = len(warnings)

    @staticmethod
    def _close(bar: Any) -> None:
        if bar is not None:
            bar.close()

    @staticmethod
    def _summary(counts: dict[str, int], started: float) -> str:
        elapsed = time.perf_counter() - started
        rate = counts["messages"] / max(elapsed, 1e-6)
        return (
            f"imported {counts['imported']} conversations ({counts['messages']} messages, "
            f"{rate:.0f}/s); {counts['already']} were imported before; "
            f"{counts['learned']} knowledge entries proposed or supported"
        )
