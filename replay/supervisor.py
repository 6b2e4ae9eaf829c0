"""The replay task: it runs ``manage.py replay`` in a subprocess (the command works in a
database of its own, never the live one), follows the JSON lines it prints, keeps the run's
progress up to date, and stores the report at the end.
"""

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings

from replay import processes, services
from replay.models import ReplayRun
from replay.progress import ProgressEvent, parse_progress_line

logger = logging.getLogger(__name__)
Status = ReplayRun.Status

# Progress reaches the database at most this often; the detail page polls about as often.
SAVE_INTERVAL_S = 1.0
# How often the task looks at the cancel flag and the clock when the replay prints nothing.
POLL_S = 1.0


def replay_command(run: ReplayRun) -> list[str]:
    """``manage.py replay`` for this run, by the Python and the settings of this process."""
    argv = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "replay",
        run.conversations.path,
        "--progress=json",
        f"--report={processes.report_path(run)}",
        f"--out={processes.results_path(run)}",
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
    run = services.replay_run_claim(run_id=run_id)
    if run is None:
        return f"replay #{run_id} was not waiting to run"
    try:
        return _execute(run)
    except Exception as exc:
        logger.exception("replay #%s failed", run_id)
        run.error = f"The replay could not run: {exc}"
        services.replay_run_finish(run=run, status=Status.FAILED)
        return f"replay #{run_id}: failed"


class ProgressWriter:
    """Applies progress events to a run and saves them at most once per ``interval`` seconds
    (the first at once); ``flush`` saves what is left. Looks at the cancel flag as often."""

    FIELDS = ("conversations_done", "conversations_total", "messages_done", "rate", "warnings")

    def __init__(
        self,
        run: ReplayRun,
        *,
        interval: float = SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.interval = interval
        self.clock = clock
        self._saved_at: float | None = None
        self._checked_at: float | None = None
        self._cancelled = False
        self._dirty = False

    def apply(self, event: ProgressEvent) -> None:
        run = self.run
        if event.kind == "progress":
            run.conversations_done = event.conversations
            run.conversations_total = event.total
            run.messages_done = event.messages
            run.rate = event.rate
        elif event.kind == "warning":
            run.warnings = [*run.warnings, {"line": event.line, "message": event.message}]
        else:
            return
        self._dirty = True
        if self._saved_at is None or self.clock() - self._saved_at >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self._dirty:
            services.replay_run_save_progress(run=self.run, fields=self.FIELDS)
            self._saved_at = self.clock()
            self._dirty = False

    def cancel_requested(self) -> bool:
        now = self.clock()
        if not self._cancelled and (
            self._checked_at is None or now - self._checked_at >= self.interval
        ):
            self._checked_at = now
            self._cancelled = ReplayRun.objects.filter(
                pk=self.run.pk, cancel_requested=True
            ).exists()
        return self._cancelled


def _execute(run: ReplayRun) -> str:
    folder = processes.output_folder(run)
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
    services.replay_run_set_pid(run=run, pid=process.pid)
    writer = ProgressWriter(run)
    outcome = follow(process, writer, timeout_s=settings.VIGIL_REPLAY_TIMEOUT_MINUTES * 60)
    writer.flush()
    services.replay_run_store_outcome(run=run, outcome=outcome, stderr_path=stderr_path)
    return f"replay #{run.pk}: {run.status}"


def follow(
    process: subprocess.Popen[str],
    writer: ProgressWriter,
    *,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> processes.Outcome:
    """Read the replay's progress lines until it exits, stopping it when the run is cancelled
    or takes longer than ``timeout_s``."""
    assert process.stdout is not None  # noqa: S101  (Popen was given stdout=PIPE)
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    outcome = processes.Outcome(returncode=None)
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
        elif clock() - stopped_at > processes.STOP_GRACE_S:
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
