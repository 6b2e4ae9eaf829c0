"""Writes of the Import page: starting, stopping and running an import of a team's history.

The import runs in a task worker, in the live database (``replay.importing``). It saves its
progress about once a second, looks at the stop flag between conversations, and stops itself
before the worker's timeout would: what it imported stays, and "Run again" goes on from there.
"""

import datetime as dt
import logging
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from replay.importing import Progress, import_file
from replay.models import ImportRun
from replay.reading import ReplayInputError, count_lines
from tickets.models import Team

logger = logging.getLogger(__name__)
Status = ImportRun.Status
SAVE_INTERVAL_S = 1.0
# A running import that saved nothing for this long is not running any more (its worker was
# killed): stopping it ends it at once. One conversation never takes near this long.
STALE_AFTER = dt.timedelta(minutes=2)
PROGRESS_FIELDS = (
    "conversations_done",
    "imported",
    "already",
    "messages",
    "learned",
    "warnings",
    "teams_created",
    "teams_missing",
    "updated_at",
)


class ImportRunError(Exception):
    """An action that cannot be taken; the message is fit to show."""


def import_run_create(
    *,
    actor: User,
    conversations: UploadedFile,
    team: Team | None,
    learn: bool,
    create_teams: bool = False,
) -> ImportRun:
    """Save an import and queue the task that runs it."""
    with transaction.atomic():
        run = ImportRun(created_by=actor, team=team, learn=learn, create_teams=create_teams)
        run.conversations.save(conversations.name or "conversations.jsonl", conversations, False)
        run.conversations_total = count_lines(Path(run.conversations.path))
        run.save()
        run_id = run.pk
        transaction.on_commit(lambda: queue_import(run_id))
    return run


def import_run_again(*, run: ImportRun, actor: User, create_teams: bool | None = None) -> ImportRun:
    """A new import of the same file and options (``create_teams`` given: that one changed):
    it adds what the last one did not."""
    if run.is_active:
        raise ImportRunError(f"Import #{run.pk} is still {run.get_status_display().lower()}.")
    with transaction.atomic():
        again = ImportRun.objects.create(
            created_by=actor,
            team=run.team,
            learn=run.learn,
            create_teams=run.create_teams if create_teams is None else create_teams,
            conversations=run.conversations.name,
            conversations_total=run.conversations_total,
        )
        transaction.on_commit(lambda: queue_import(again.pk))
    return again


def queue_import(run_id: int) -> None:
    # The task stops itself at its deadline; the worker's timeout only catches a stuck one.
    timeout = settings.VIGIL_IMPORT_MINUTES_PER_RUN * 60 + 300
    async_task(
        "replay.tasks.run_import", run_id, task_name=f"import-{run_id}", timeout=int(timeout)
    )


def import_run_cancel(*, run: ImportRun) -> ImportRun:
    """Stop an import: a queued one at once, a running one after its current conversation."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not run.is_active:
            raise ImportRunError(f"This import is already {run.get_status_display().lower()}.")
        if run.status == Status.QUEUED:
            run.status, run.finished_at = Status.CANCELLED, timezone.now()
            run.save(update_fields=["status", "finished_at"])
        elif run.updated_at < timezone.now() - STALE_AFTER:
            run.status, run.finished_at = Status.CANCELLED, timezone.now()
            run.error = (
                "The worker running this import had stopped; it was ended here. What it "
                "imported stays; run it again to go on."
            )
            run.save(update_fields=["status", "finished_at", "error", "updated_at"])
        else:
            run.cancel_requested = True
            run.save(update_fields=["cancel_requested"])
    return run


def import_run_execute(run_id: int) -> str:
    """The task: claim a queued import, run it, and record how it ended."""
    claimed = ImportRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return f"import #{run_id} was not waiting to run"
    run = ImportRun.objects.select_related("team").get(pk=run_id)
    watch = _Watch(run, deadline=time.monotonic() + settings.VIGIL_IMPORT_MINUTES_PER_RUN * 60)
    try:
        done = import_file(
            Path(run.conversations.path),
            default=run.team,
            learn=run.learn,
            create_teams=run.create_teams,
            progress=watch.progress,
            stop=watch.stop,
        )
    except ReplayInputError as exc:
        run.error = str(exc)
        return _finish(run, Status.FAILED)
    except Exception as exc:
        logger.exception("import #%s failed", run_id)
        run.error = f"The import stopped: {exc}. What it imported stays; run it again to go on."
        return _finish(run, Status.FAILED)
    _apply(run, done)
    if watch.cancelled:
        return _finish(run, Status.CANCELLED)
    if watch.timed_out:
        run.error = (
            f"Stopped after {settings.VIGIL_IMPORT_MINUTES_PER_RUN} minutes "
            "(VIGIL_IMPORT_MINUTES_PER_RUN); run it again to import the rest."
        )
        return _finish(run, Status.CANCELLED)
    return _finish(run, Status.WARNINGS if done.warnings else Status.DONE)


class _Watch:
    """Saves progress at most once a second and answers whether to stop: asked to, or past
    the deadline."""

    def __init__(self, run: ImportRun, *, deadline: float) -> None:
        self.run = run
        self.deadline = deadline
        self.saved_at: float | None = None  # the first progress is saved at once
        self.cancelled = False
        self.timed_out = False

    def progress(self, done: Progress) -> None:
        now = time.monotonic()
        if self.saved_at is not None and now - self.saved_at < SAVE_INTERVAL_S:
            return
        self.saved_at = now
        _apply(self.run, done)
        self.run.save(update_fields=PROGRESS_FIELDS)
        self.cancelled = ImportRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists()

    def stop(self) -> bool:
        self.timed_out = time.monotonic() > self.deadline
        return self.cancelled or self.timed_out


def _apply(run: ImportRun, done: Progress) -> None:
    run.conversations_done = done.conversations
    run.imported, run.already = done.imported, done.already
    run.messages, run.learned = done.messages, done.learned
    run.warnings = done.warnings[-500:]
    run.teams_created, run.teams_missing = done.teams_created, done.teams_missing


def _finish(run: ImportRun, status: str) -> str:
    run.status, run.finished_at = status, timezone.now()
    run.save(update_fields=[*PROGRESS_FIELDS, "status", "error", "finished_at"])
    return f"import #{run.pk}: {status}"
