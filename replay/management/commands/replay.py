import json
import signal
import sys
import time
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ai import embedding, llm
from copilot.models import TeamCopilotSettings
from knowledge import importing
from knowledge.models import TeamKnowledgePolicy
from replay.isolation import isolated_database, quiet_side_effects
from replay.management.teams import team_given
from replay.reading import (
    ReplayInputError,
    count_lines,
    in_batches,
    read_conversations,
    teams_named,
)
from replay.report import MIN_SPOKEN_FOR_TARGET, build_report
from replay.runner import (
    ConversationResult,
    Replayer,
    TeamSettings,
    live_receivers_muted,
    team_create,
)
from replay.services import apply_threshold
from tickets.models import Team

# Conversations whose texts are embedded together, in one model call, before they are replayed.
PREFETCH_CONVERSATIONS = 64
SETTINGS_COPIED = ("mode", "threshold", "auto_threshold", "target_precision", "min_samples")
POLICY_COPIED = ("auto_approve", "auto_approve_min_evidence")


class Command(BaseCommand):
    help = (
        "Replay recorded conversations (JSONL, the replay format) through the copilot in a "
        "database of their own, message by message, and report what it would have done."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("conversations", help="JSONL file, one conversation per line")
        parser.add_argument("--knowledge", help="knowledge JSONL imported (approved) first")
        parser.add_argument(
            "--learn", action="store_true", help="learn from each resolved conversation"
        )
        parser.add_argument(
            "--auto-approve",
            action="store_true",
            help="approve learned entries at once, as a curator would (implies --learn)",
        )
        parser.add_argument(
            "--engine",
            choices=["local", "llm"],
            help="local (no LLM) or llm (VIGIL_LLM_MODEL); default: what the live copilot uses",
        )
        parser.add_argument(
            "--team", help="slug or name of a team whose copilot settings the replay uses"
        )
        parser.add_argument("--limit", type=int, help="replay only the first N conversations")
        parser.add_argument("--out", help="write one JSON line per customer message here")
        parser.add_argument("--report", help="write the summary as JSON here")
        parser.add_argument(
            "--target-precision",
            type=float,
            help="precision the recommended threshold must reach (default: the team's, or 0.8)",
        )
        parser.add_argument(
            "--apply-threshold",
            action="store_true",
            help="set --team's threshold to the one that meets the target precision",
        )
        parser.add_argument(
            "--progress",
            choices=["bar", "json", "none"],
            default="bar",
            help="a progress bar on stderr, JSON lines on stdout, or nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["conversations"])
        knowledge = Path(options["knowledge"]) if options["knowledge"] else None
        for given in (path, knowledge):
            if given is not None and not given.is_file():
                raise CommandError(f"{given} is not a file.")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        team = team_given(options["team"]) if options["team"] else None
        if options["apply_threshold"] and team is None:
            raise CommandError("--apply-threshold needs --team: the team whose threshold to set.")
        engine = options["engine"] or ("llm" if llm.llm_configured("answer") else "local")
        if engine == "llm" and not llm.llm_configured("answer"):
            raise CommandError("--engine llm needs a model: set VIGIL_LLM_MODEL.")
        learn = options["learn"] or options["auto_approve"]
        live = _live_settings(team)
        target = options["target_precision"] or live.copilot.get("target_precision", 0.8)
        if not 0 < target <= 1:
            raise CommandError("--target-precision must be in (0, 1].")
        teams_live = _teams_settings(teams_named(path))
        total = count_lines(path)
        if options["limit"]:
            total = min(total, options["limit"])
        run_options = {
            "file": path.name,
            "knowledge": knowledge.name if knowledge else None,
            "engine": engine,
            "learn": learn,
            "auto_approve": options["auto_approve"],
            "team": team.name if team else None,
            "limit": options["limit"],
            "target_precision": target,
        }
        self.progress_mode = options["progress"]
        self.replaying = self.stop_requested = False
        previous_handler = signal.signal(signal.SIGTERM, self._interrupt)
        try:
            with quiet_side_effects(local_engine=engine == "local"), isolated_database():
                report, warnings, interrupted = self._replay(
                    path, knowledge, (team, live, teams_live), run_options, total, options
                )
                # Written before the replay's database is dropped: a stop that comes while it
                # is dropped (or a connection a signal left broken) must not lose the figures.
                self._write_report(report, options)
        finally:
            signal.signal(signal.SIGTERM, previous_handler)
        self._finish(report, warnings, interrupted, team, options)

    def _interrupt(self, signum: int, frame: Any) -> None:
        """SIGTERM (a cancelled run) asks the replay to stop after the conversation it is on:
        raised in the middle of a database call, an interruption would leave the connection
        unusable and lose the report. Asked again while conversations are replayed, it stops
        at once; once they are done, the report being written is what was asked for."""
        if self.stop_requested and self.replaying:
            raise KeyboardInterrupt
        self.stop_requested = True

    def _replay(
        self,
        path: Path,
        knowledge: Path | None,
        teams: tuple[Team | None, TeamSettings, dict[str, TeamSettings]],
        run_options: dict[str, Any],
        total: int,
        options: dict[str, Any],
    ) -> tuple[dict[str, Any], list[str], bool]:
        given, live, teams_live = teams
        slug, name = (given.slug, given.name) if given else ("replay", "Replay")
        team = team_create(slug, name, live)
        if knowledge is not None:
            self._import(knowledge)
        warnings: list[str] = []
        results: list[ConversationResult] = []
        replayer = Replayer(
            team=team,
            learn=run_options["learn"],
            auto_approve=options["auto_approve"],
            settings_of=teams_live,
        )
        bar = self._bar(total)
        started = time.perf_counter()
        interrupted = False
        with ExitStack() as stack:
            out = stack.enter_context(Path(options["out"]).open("w")) if options["out"] else None
            if bar is not None:
                stack.callback(bar.close)
            try:
                self.replaying = True
                conversations = islice(read_conversations(path, warnings), total)
                with live_receivers_muted(), embedding.reusing():
                    # The next batch's texts are embedded while this one is replayed.
                    batches = embedding.ahead(
                        in_batches(conversations, PREFETCH_CONVERSATIONS), replayer.to_embed
                    )
                    for batch in batches:
                        if self.stop_requested:
                            interrupted = True
                            break
                        for conversation in batch:
                            if self.stop_requested:
                                interrupted = True
                                break
                            self._warn(warnings, bar)
                            result = replayer.replay(conversation)
                            results.append(result)
                            if out is not None:
                                _write_rows(out, result)
                            self._advance(bar, results, total, started)
                        if interrupted:
                            break
                self._warn(warnings, bar)
                self.replaying = False
            except ReplayInputError as exc:
                self.replaying = False
                raise CommandError(str(exc)) from exc
            except KeyboardInterrupt:
                self.replaying = False
                interrupted = True
        elapsed = time.perf_counter() - started
        run_options["interrupted"] = interrupted
        report = build_report(
            results,
            options=run_options,
            skipped=warnings,
            elapsed_s=elapsed,
            target_precision=run_options["target_precision"],
            embed=embedding.embed,
        )
        return report, warnings, interrupted

    def _import(self, path: Path) -> None:
        result = importing.ImportResult()
        try:
            rows = importing.read_rows(path, result.errors)
        except importing.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
        for error in result.errors:
            self.stderr.write(f"knowledge: skipped {error}")
        self._say(f"knowledge: {result.total} entries from {path.name}, approved")

    def _bar(self, total: int) -> Any:
        if self.progress_mode != "bar":
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit=" conversations", file=sys.stderr, dynamic_ncols=True)

    def _advance(
        self, bar: Any, results: list[ConversationResult], total: int, started: float
    ) -> None:
        messages = sum(len(r.messages) for r in results)
        rate = messages / max(time.perf_counter() - started, 1e-6)
        if bar is not None:
            bar.set_postfix_str(f"{messages} customer messages, {rate:.0f}/s", refresh=False)
            bar.update(1)
        elif self.progress_mode == "json":
            self._event(
                event="progress",
                conversations=len(results),
                total=total,
                messages=messages,
                rate=round(rate, 1),
            )

    def _warn(self, warnings: list[str], bar: Any) -> None:
        shown = getattr(self, "_shown_warnings", 0)
        for warning in warnings[shown:]:
            if self.progress_mode == "json":
                line, _, message = warning.partition(": ")
                self._event(event="warning", line=int(line.removeprefix("line ")), message=message)
            elif bar is not None:
                bar.write(f"skipped {warning}", file=sys.stderr)
            else:
                self.stderr.write(f"skipped {warning}")
        self._shown_warnings = len(warnings)

    def _event(self, **fields: Any) -> None:
        self.stdout.write(json.dumps(fields))
        self.stdout.flush()

    def _say(self, text: str) -> None:
        (self.stderr if self.progress_mode == "json" else self.stdout).write(text)

    def _finish(
        self,
        report: dict[str, Any],
        warnings: list[str],
        interrupted: bool,
        team: Team | None,
        options: dict[str, Any],
    ) -> None:
        self._write_report(report, options)
        self._say(summary(report))
        if options["apply_threshold"] and team is not None and not interrupted:
            self._apply(report, team)
        if self.progress_mode == "json":
            self._event(event="done", interrupted=interrupted)
        if interrupted:
            self.stderr.write("Interrupted: the figures cover the conversations replayed so far.")
            sys.exit(130)
        if warnings:
            sys.exit(1)

    def _write_report(self, report: dict[str, Any], options: dict[str, Any]) -> None:
        if options["report"]:
            Path(options["report"]).write_text(json.dumps(report, indent=2) + "\n")

    def _apply(self, report: dict[str, Any], team: Team) -> None:
        truth = report["ground_truth"]
        if truth is None:
            raise CommandError(
                "No threshold to apply: the conversations carry no answer links (reply_to)."
            )
        threshold = truth["threshold_for_target"]
        if threshold is None:
            raise CommandError(
                f"No threshold reaches precision {truth['target_precision']:.2f} on these "
                "conversations; the team's threshold is unchanged."
            )
        note = (
            f"threshold {threshold:.2f} from a replay of {report['options']['file']}: "
            f"precision {truth['target_precision']:.2f} target"
        )
        apply_threshold(team, threshold, note=note)
        self._say(f"{team.name}: threshold set to {threshold:.2f}.")


def _live_settings(team: Team | None) -> TeamSettings:
    """The team's copilot settings and knowledge policy, read before leaving the live
    database (a team whose copilot is off is replayed as if it suggested)."""
    if team is None:
        return TeamSettings()
    copilot: dict[str, Any] = {}
    found = TeamCopilotSettings.objects.filter(team=team).first()
    if found is not None:
        copilot = {name: getattr(found, name) for name in SETTINGS_COPIED}
        if found.mode == TeamCopilotSettings.Mode.OFF:
            copilot["mode"] = TeamCopilotSettings.Mode.SUGGEST
    policy = TeamKnowledgePolicy.objects.filter(team=team).first()
    return TeamSettings(
        copilot, {name: getattr(policy, name) for name in POLICY_COPIED} if policy else {}
    )


def _teams_settings(slugs: set[str]) -> dict[str, TeamSettings]:
    """The live settings of the teams the file names that exist live, by slug (none when the
    live database was never set up: a replay needs nothing of it)."""
    if Team._meta.db_table not in connection.introspection.table_names():
        return {}
    return {team.slug: _live_settings(team) for team in Team.objects.filter(slug__in=slugs)}


def _write_rows(out: IO[str], result: ConversationResult) -> None:
    for message in result.messages:
        out.write(json.dumps(message.row(), ensure_ascii=False) + "\n")
    for learned in result.learned:
        out.write(json.dumps(learned.row(), ensure_ascii=False) + "\n")
    out.flush()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def summary(report: dict[str, Any]) -> str:
    """The report as a few readable lines: what shows the copilot was useful first, then how
    often it spoke, what it cost and what it learned."""
    lines = [
        f"{report['conversations']} conversations, {report['customer_messages']} customer "
        f"messages in {report['elapsed_s']:.1f} s ({report['messages_per_s'] or 0:.0f}/s)",
        *_useful_lines(report),
        f"spoke on {report['spoke']} ({_pct(report['speak_rate'])}): "
        + ", ".join(f"{n} {kind}" for kind, n in report["kinds"].items()),
        "silent: " + "; ".join(f"{reason} {n}" for reason, n in report["silence_reasons"][:6]),
        *_reply_lines(report),
        *_team_lines(report),
        "latency p50 {p50} ms, p95 {p95} ms; LLM calls {calls}, tokens {tokens}".format(
            **report["latency_ms"], **report["llm"]
        ),
    ]
    learned = report["learned"]
    if learned["entries"]:
        lines.append(
            f"learned {learned['entries']}: {learned['new']} new ({learned['approved']} "
            f"approved), {learned['merged']} merged, {learned['rejected']} rejected; "
            f"{report['suggestions_citing_learned']} suggestions cite learned entries"
        )
    if report["skipped_lines"]:
        lines.append(f"{len(report['skipped_lines'])} input lines skipped")
    return "\n".join(lines)


def _useful_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    ahead = report.get("anticipated") or {}
    if ahead.get("suggestions"):
        minutes = (
            f"; {ahead['minutes_ahead_median']} min ahead (median), p90 "
            f"{ahead['minutes_ahead_p90']}, over the {ahead['timed']} with times"
            if ahead["timed"]
            else "; no times to say how far ahead"
        )
        lines.append(
            f"anticipated the agent: {ahead['anticipated']} of {ahead['suggestions']} answers "
            f"({_pct(ahead['share'])}), in {_pct(ahead['conversation_share'])} of conversations"
            + minutes
        )
    truth = report["ground_truth"]
    if truth:
        similarity = truth["similarity"]
        lines.append(
            f"resembles the human answer: {_pct(similarity['resembling'])} of answers, token F1 "
            f"{similarity['token_f1'] or 0:.3f}, cosine {similarity['cosine'] or 0:.3f}"
        )
    hits = report.get("doc_hits") or {}
    if hits.get("conversations_with_links"):
        lines.append(
            f"doc hits where links exist: {hits['hits']} of {hits['suggestions']} answers "
            f"({_pct(hits['share'])}) held a page the agent later sent, in "
            f"{hits['conversations']} of {hits['conversations_with_links']} conversations"
        )
    return lines


def _reply_lines(report: dict[str, Any]) -> list[str]:
    truth = report["ground_truth"]
    if not truth:
        return []
    chosen = truth["threshold_for_target"]
    return [
        f"spoke where a human replied {_pct(truth['precision'])}, reached "
        f"{_pct(truth['recall'])} of the {truth['answerable']} questions they answered",
        f"threshold for precision {truth['target_precision']:.2f} on at least "
        f"{truth.get('min_spoken_for_target', MIN_SPOKEN_FOR_TARGET)} suggestions: "
        + (f"{chosen:.2f}" if chosen is not None else "none reaches it"),
    ]


def _team_lines(report: dict[str, Any]) -> list[str]:
    teams = report.get("teams") or []
    if not teams:
        return []
    shown = "; ".join(
        f"{row['team']} {row['spoke']} of {row['customer_messages']}" for row in teams[:8]
    )
    more = f"; {len(teams) - 8} more" if len(teams) > 8 else ""
    return [f"spoke per team: {shown}{more}"]
