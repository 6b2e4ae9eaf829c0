"""Writes of the replay app: starting, cancelling and finishing runs, applying a threshold."""

import os
import socket
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from copilot.models import TeamCopilotSettings
from replay import processes
from replay.models import ReplayRun
from replay.progress import count, rate
from tickets.models import Team
from tickets.services import display_name

Status = ReplayRun.Status
# Any number: it only has to be the same for every process that starts a replay.
START_LOCK = 0x7E9_1A_0001


class ReplayRunError(Exception):
    """An action that cannot be taken; the message is fit to show."""


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
    timeout = settings.VIGIL_REPLAY_TIMEOUT_MINUTES * 60 + processes.STOP_GRACE_S + 60
    async_task(
        "replay.tasks.run_replay", run_id, task_name=f"replay-{run_id}", timeout=int(timeout)
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
            replay_run_finish(run=run, status=Status.CANCELLED)
            return run
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
        if processes.worker_gone(run):
            processes.terminate_orphan(run)
            run.error = "The worker running this replay had stopped; it was cancelled here."
            replay_run_finish(run=run, status=Status.CANCELLED)
    return run


def replay_run_apply_threshold(*, run: ReplayRun, actor: User) -> TeamCopilotSettings:
    """Give the run's team the threshold that reached the target precision in the replay."""
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


def replay_run_finish(*, run: ReplayRun, status: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "error"])


def replay_run_save_progress(*, run: ReplayRun, fields: tuple[str, ...]) -> None:
    """Store the progress a running replay reported (``fields`` changed on ``run``)."""
    run.save(update_fields=list(fields))


def replay_run_set_pid(*, run: ReplayRun, pid: int) -> None:
    run.pid = pid
    run.save(update_fields=["pid"])


def replay_run_claim(*, run_id: int) -> ReplayRun | None:
    """Mark a queued run as running here; None when it was not queued (a task delivered
    twice replays once)."""
    # An update that only matches a queued run: a task delivered twice replays once.
    claimed = ReplayRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=timezone.now(),
        host=socket.gethostname(),
        worker_pid=os.getpid(),
    )
    return ReplayRun.objects.select_related("team").get(pk=run_id) if claimed else None


def replay_run_store_outcome(
    *, run: ReplayRun, outcome: processes.Outcome, stderr_path: Path
) -> None:
    """Record how the replay subprocess ended: its report, figures, status and error."""
    report = processes.read_report(processes.report_path(run))
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
        if report is None:  # stopped before it could write what it had replayed: say why
            run.error = processes.error_text(code, stderr_path)
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
        run.error = processes.error_text(code, stderr_path)
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


def apply_threshold(team: Team, threshold: float, *, note: str) -> TeamCopilotSettings:
    """Set ``team``'s suggestion threshold, e.g. the one a replay found for its target."""
    if not 0.0 <= threshold <= 2.0:
        raise ValueError(f"A threshold of {threshold} is out of range.")
    with transaction.atomic():
        settings, _ = TeamCopilotSettings.objects.select_for_update().get_or_create(team=team)
        settings.threshold = round(threshold, 4)
        settings.calibrated_at = timezone.now()
        settings.calibration_note = note[:300]
        settings.save(update_fields=["threshold", "calibrated_at", "calibration_note"])
    return settings
