"""The replay's subprocess and files, as seen from any process: where it writes, whether it is
still alive, and how it ended."""

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from django.conf import settings

from replay.models import ReplayRun

# After SIGTERM the command writes the report of what it replayed so far; then it is killed.
STOP_GRACE_S = 30.0
ERROR_TAIL = 3000


def output_folder(run: ReplayRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "replays" / str(run.key) / "output"


def report_path(run: ReplayRun) -> Path:
    return output_folder(run) / "report.json"


def results_path(run: ReplayRun) -> Path:
    return output_folder(run) / "results.jsonl"


def worker_gone(run: ReplayRun) -> bool:
    if run.host != socket.gethostname() or run.worker_pid is None or run.started_at is None:
        return False  # another machine's worker: only its task can stop it
    return not same_process(run.worker_pid, started_before=run.started_at.timestamp())


def same_process(pid: int, *, started_before: float) -> bool:
    """Whether ``pid`` is still the process that existed at ``started_before`` (pids recycle)."""
    try:
        return bool(psutil.Process(pid).create_time() <= started_before + 1)
    except psutil.Error:
        return False


def terminate_orphan(run: ReplayRun) -> None:
    if run.pid is None:
        return
    try:
        process = psutil.Process(run.pid)
        # Only the replay of this run: its command line names the run's own folder.
        if str(output_folder(run)) in " ".join(process.cmdline()):
            process.terminate()
    except psutil.Error:
        pass


def read_report(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def error_text(code: int | None, stderr_path: Path) -> str:
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


@dataclass
class Outcome:
    """How the replay subprocess ended."""

    returncode: int | None
    cancelled: bool = False
    timed_out: bool = False
