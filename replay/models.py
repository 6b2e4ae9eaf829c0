"""Replays of recorded conversations through the copilot, run from the Replay page."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile

from tickets.models import Team


def replay_upload_to(run: "ReplayRun", filename: str) -> str:
    return f"replays/{run.key}/{filename}"


class FileRun:
    """What a run over an uploaded conversations file says of itself, replay or import."""

    ACTIVE: tuple[str, ...]
    status: str
    conversations: FieldFile
    conversations_done: int
    conversations_total: int

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def conversations_name(self) -> str:
        return (self.conversations.name or "").rsplit("/", 1)[-1]

    @property
    def percent_done(self) -> int:
        if not self.conversations_total:
            return 0
        return min(100, round(100 * self.conversations_done / self.conversations_total))


class ReplayRun(FileRun, models.Model):
    """Recorded conversations replayed through the copilot from the Replay page: the inputs,
    the options, the progress while it runs and the report when it is done."""

    class Engine(models.TextChoices):
        LOCAL = "local", "Local (no LLM)"
        LLM = "llm", "LLM"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        WARNINGS = "warnings", "Done with warnings"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    conversations = models.FileField(upload_to=replay_upload_to, max_length=300)
    knowledge = models.FileField(upload_to=replay_upload_to, max_length=300, blank=True)
    engine = models.CharField(max_length=8, choices=Engine.choices, default=Engine.LOCAL)
    learn = models.BooleanField(default=True)
    auto_approve = models.BooleanField(default=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="replay_runs"
    )
    limit = models.PositiveIntegerField(null=True, blank=True)
    target_precision = models.FloatField(null=True, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    conversations_done = models.PositiveIntegerField(default=0)
    conversations_total = models.PositiveIntegerField(default=0)
    messages_done = models.PositiveIntegerField(default=0)
    rate = models.FloatField(default=0.0, help_text="Customer messages per second.")
    report = models.JSONField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Where the replay runs, so that it can be stopped: the task's worker and its subprocess.
    host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    threshold_applied_at = models.DateTimeField(null=True, blank=True)
    threshold_applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The table it had when replays lived in the copilot app (moved without a copy).
        db_table = "copilot_replayrun"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_precision__isnull=True)
                | models.Q(target_precision__gt=0, target_precision__lte=1),
                name="replay_run_target_precision_range",
            ),
            models.CheckConstraint(
                condition=models.Q(limit__isnull=True) | models.Q(limit__gte=1),
                name="replay_run_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Replay #{self.pk} of {self.conversations_name} ({self.status})"

    @property
    def knowledge_name(self) -> str:
        return (self.knowledge.name or "").rsplit("/", 1)[-1]

    @property
    def threshold_for_target(self) -> float | None:
        truth = (self.report or {}).get("ground_truth") or {}
        value = truth.get("threshold_for_target")
        return float(value) if isinstance(value, int | float) else None


def import_upload_to(run: "ImportRun", filename: str) -> str:
    return f"imports/{run.key}/{filename}"


class ImportRun(FileRun, models.Model):
    """A team's history imported into the live system from the Import page (admins): the
    file, the options, the progress while it runs and what it added. The work itself is
    ``replay.importing``; running it again over the same file adds nothing twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        WARNINGS = "warnings", "Done with warnings"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Stopped"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    conversations = models.FileField(upload_to=import_upload_to, max_length=300)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_runs"
    )
    learn = models.BooleanField(default=True)
    # Lines naming a team that is not here: create it (True), or skip them with a warning.
    create_teams = models.BooleanField(default=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    conversations_total = models.PositiveIntegerField(default=0)
    conversations_done = models.PositiveIntegerField(default=0)
    teams_created = models.JSONField(default=list, blank=True)  # slugs
    teams_missing = models.JSONField(default=list, blank=True)  # slugs of skipped lines' teams
    imported = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    learned = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Saved with its progress about once a second while it runs: a running import whose last
    # save is old had its worker killed, and stopping it ends it at once.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.conversations_name} ({self.status})"
