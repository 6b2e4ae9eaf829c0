"""Replays started from the Replay page.

A run is saved with its uploaded files and a task queued. The task drives ``manage.py replay``
in a subprocess (the command works in a database of its own, never the live one), follows the
JSON lines it prints, keeps the run's progress up to date, and stores the report at the end.
"""

import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from copilot.models import ReplayRun, TeamCopilotSettings
from copilot.replay.progress import ProgressWriter, count, parse_progress_line, rate
from tickets.models import Team
from tickets.services import display_name

logger = logging.getLogger(__name__)
Status = ReplayRun.Status

# How often the task looks at the cancel flag and the clock when the replay prints nothing.
POLL_S = 1.0
# After SIGTERM the command writes the report of what it replayed so far; then it is killed.
STOP_GRACE_S = 30.0
ERROR_TAIL = 3000
# Any number: it only has to be the same for every process that starts a replay.
START_LOCK = 0x7E9_1A_0001


class ReplayRunError(Exception):
    """An action that cannot be taken; the message is fit to show."""


# --- Starting, cancelling, applying ---


def replay_run_create(
    *,
    actor: User,
    conversations: UploadedFile,
    knowledge: UploadedFile | None,
    engine: str,
    learn: bool,
    auto_approve: bool,
    team: Team | None,
    limit: int | None,
    target_precision: float | None,
) -> ReplayRun:
    """Save a run and queue the task that replays it. One replay at a time: a replay holds a
    task worker for as long as it runs, and the copilot's own tasks need the others."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [START_LOCK])
        active = ReplayRun.objects.filter(status__in=ReplayRun.ACTIVE).order_by("pk").first()
        if active is not None:
            raise ReplayRunError(
                f"Replay #{active.pk} is still {active.get_status_display().lower()}; one "
                "replay runs at a time. Wait for it to finish or cancel it."
            )
        run = ReplayRun(
            created_by=actor,
            engine=engine,
            learn=learn or auto_approve,
            auto_approve=auto_approve,
            team=team,
            limit=limit,
            target_precision=target_precision,
        )
        run.conversations.save(conversations.name or "conversations.jsonl", conversations, False)
        if knowledge is not None:
            run.knowledge.save(knowledge.name or "knowledge.jsonl", knowledge, False)
        run.full_clean()
        run.save()
        run_id = run.pk
        transaction.on_commit(lambda: queue_replay(run_id))
    return run


def queue_replay(run_id: int) -> None:
    # The task's own deadline comes first; the worker's timeout only catches a stuck task.
    timeout = settings.VIGIL_REPLAY_TIMEOUT_MINUTES * 60 + STOP_GRACE_S + 60
    async_task(
        "copilot.tasks.run_replay", run_id, task_name=f"replay-{run_id}", timeout=int(timeout)
    )


def replay_run_cancel(*, run: ReplayRun) -> ReplayRun:
    """Stop a run. A queued run is cancelled at once. A running one is flagged: its task looks
    at the flag every second and stops the subprocess, which reports what it replayed so far.
    When the task's worker is gone (killed, restarted) nobody would, so it is stopped here."""
    with transaction.atomic():
        run = ReplayRun.objects.select_for_update().get(pk=run.pk)
        if not run.is_active:
            raise ReplayRunError(f"This replay is already {run.get_status_display().lower()}.")
        if run.status == Status.QUEUED:
            _finish(run, Status.CANCELLED)
            return run
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
        if _worker_gone(run):
            _terminate_orphan(run)
            run.error = "The worker running this replay had stopped; it was cancelled here."
            _finish(run, Status.CANCELLED)
    return run


def replay_run_apply_threshold(*, run: ReplayRun, actor: User) -> TeamCopilotSettings:
    """Give the run's team the threshold that reached the target precision in the replay."""
    from copilot.replay import apply_threshold

    threshold = run.threshold_for_target
    if run.status not in {Status.DONE, Status.WARNINGS}:
        raise ReplayRunError("Only a finished replay can set a threshold.")
    if run.team is None:
        raise ReplayRunError("This replay was not run for a team: there is no team to set.")
    if threshold is None:
        raise ReplayRunError("No threshold reached the target precision in this replay.")
    target = (run.report or {}).get("ground_truth", {}).get("target_precision")
    note = (
        f"threshold {threshold:.2f} from replay #{run.pk} of {run.conversations_name}"
        + (f" (precision target {target:.2f})" if isinstance(target, int | float) else "")
        + f", applied by {display_name(actor)}"
    )
    try:
        applied = apply_threshold(run.team, threshold, note=note)
    except ValueError as exc:
        raise ReplayRunError(str(exc)) from exc
    run.threshold_applied_at = timezone.now()
    run.threshold_applied_by = actor
    run.save(update_fields=["threshold_applied_at", "threshold_applied_by"])
    return applied


def _finish(run: ReplayRun, status: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "error"])


def _worker_gone(run: ReplayRun) -> bool:
    if run.host != socket.gethostname() or run.worker_pid is None or run.started_at is None:
        return False  # another machine's worker: only its task can stop it
    return not _same_process(run.worker_pid, started_before=run.started_at.timestamp())


def _same_process(pid: int, *, started_before: float) -> bool:
    """Whether ``pid`` is still the process that existed at ``started_before`` (pids recycle)."""
    try:
        return bool(psutil.Process(pid).create_time() <= started_before + 1)
    except psutil.Error:
        return False


def _terminate_orphan(run: ReplayRun) -> None:
    if run.pid is None:
        return
    try:
        process = psutil.Process(run.pid)
        # Only the replay of this run: its command line names the run's own folder.
        if str(output_folder(run)) in " ".join(process.cmdline()):
            process.terminate()
    except psutil.Error:
        pass


# --- The task ---


def output_folder(run: ReplayRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "replays" / str(run.key) / "output"


def report_path(run: ReplayRun) -> Path:
    return output_folder(run) / "report.json"


def results_path(run: ReplayRun) -> Path:
    return output_folder(run) / "results.jsonl"


def replay_command(run: ReplayRun) -> list[str]:
    """``manage.py replay`` for this run, by the Python and the settings of this process."""
    argv = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "replay",
        run.conversations.path,
        "--progress=json",
        f"--report={report_path(run)}",
        f"--out={results_path(run)}",
        f"--engine={run.engine}",
    ]
    if run.knowledge:
        argv.append(f"--knowledge={run.knowledge.path}")
    if run.auto_approve:
        argv.append("--auto-approve")
    elif run.learn:
        argv.append("--learn")
    if run.team is not None:
        argv.append(f"--team={run.team.slug}")
    if run.limit:
        argv.append(f"--limit={run.limit}")
    if run.target_precision is not None:
        argv.append(f"--target-precision={run.target_precision}")
    return argv


def replay_environment() -> dict[str, str]:
    """This process's environment and settings module (overridden settings hide its name)."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        environment["DJANGO_SETTINGS_MODULE"] = module
    return environment


def replay_run_execute(run_id: int) -> str:
    """The task: claim a queued run, replay it in a subprocess and store how it ended."""
    run = _claim(run_id)
    if run is None:
        return f"replay #{run_id} was not waiting to run"
    try:
        return _execute(run)
    except Exception as exc:
        logger.exception("replay #%s failed", run_id)
        run.error = f"The replay could not run: {exc}"
        _finish(run, Status.FAILED)
        return f"replay #{run_id}: failed"


def _claim(run_id: int) -> ReplayRun | None:
    # An update that only matches a queued run: a task delivered twice replays once.
    claimed = ReplayRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=timezone.now(),
        host=socket.gethostname(),
        worker_pid=os.getpid(),
    )
    return ReplayRun.objects.select_related("team").get(pk=run_id) if claimed else None


@dataclass
class Outcome:
    returncode: int | None
    cancelled: bool = False
    timed_out: bool = False


def _execute(run: ReplayRun) -> str:
    folder = output_folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    stderr_path = folder / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603  (our own command, arguments from a checked form)
            replay_command(run),
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=replay_environment(),
            cwd=settings.BASE_DIR,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    run.pid = process.pid
    run.save(update_fields=["pid"])
    writer = ProgressWriter(run)
    outcome = follow(process, writer, timeout_s=settings.VIGIL_REPLAY_TIMEOUT_MINUTES * 60)
    writer.flush()
    _store_outcome(run, outcome, writer, stderr_path)
    return f"replay #{run.pk}: {run.status}"


def follow(
    process: subprocess.Popen[str],
    writer: ProgressWriter,
    *,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Read the replay's progress lines until it exits, stopping it when the run is cancelled
    or takes longer than ``timeout_s``."""
    assert process.stdout is not None  # noqa: S101  (Popen was given stdout=PIPE)
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    outcome = Outcome(returncode=None)
    deadline = clock() + timeout_s
    stopped_at: float | None = None
    while True:
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            line = ""  # nothing printed: still look at the flag and the clock
        if line is None:
            break
        event = parse_progress_line(line) if line else None
        if event is not None:
            writer.apply(event)
        if stopped_at is None:
            outcome.cancelled = writer.cancel_requested()
            outcome.timed_out = clock() > deadline
            if outcome.cancelled or outcome.timed_out:
                process.terminate()
                stopped_at = clock()
        elif clock() - stopped_at > STOP_GRACE_S:
            process.kill()
    outcome.returncode = process.wait()
    reader.join(timeout=5)
    return outcome


def _read_lines(stream: IO[str], lines: "queue.Queue[str | None]") -> None:
    try:
        for line in stream:
            lines.put(line)
    finally:
        lines.put(None)


def _store_outcome(
    run: ReplayRun, outcome: Outcome, writer: ProgressWriter, stderr_path: Path
) -> None:
    report = _read_report(report_path(run))
    run.report = report
    if report is not None:
        run.conversations_done = count(report.get("conversations"))
        run.messages_done = count(report.get("customer_messages"))
        run.rate = rate(report.get("messages_per_s"))
        skipped = report.get("skipped_lines")
        if isinstance(skipped, list):
            run.warnings = skipped
    code = outcome.returncode
    if outcome.cancelled:
        status = Status.CANCELLED
    elif outcome.timed_out:
        status = Status.FAILED
        run.error = (
            f"Stopped after {settings.VIGIL_REPLAY_TIMEOUT_MINUTES} minutes "
            "(VIGIL_REPLAY_TIMEOUT_MINUTES); the report covers what was replayed until then."
        )
    elif code in {0, 1} and report is not None:
        status = Status.DONE if code == 0 and not run.warnings else Status.WARNINGS
    else:
        status = Status.FAILED
        run.error = _error_text(code, stderr_path)
    run.status = status
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "report",
            "conversations_done",
            "messages_done",
            "rate",
            "warnings",
            "status",
            "error",
            "finished_at",
        ]
    )


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def _error_text(code: int | None, stderr_path: Path) -> str:
    try:
        tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-ERROR_TAIL:].strip()
    except OSError:
        tail = ""
    if code == 0:
        headline = "The replay finished without writing its report."
    elif code is not None and code < 0:
        headline = f"The replay was killed by signal {-code}."
    else:
        headline = f"The replay stopped with exit status {code}."
    return f"{headline}\n{tail}" if tail else headline
