from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from knowledge.models import KnowledgeEntry
from tickets.models import Message, Team, Ticket


class TeamCopilotSettings(models.Model):
    """How the copilot behaves for one team. A team without a row gets the defaults."""

    class Mode(models.TextChoices):
        OFF = "off", "Off"
        SUGGEST = "suggest", "Suggest to analysts"
        AUTO = "auto", "Reply to customers above the auto threshold"

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="copilot_settings")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.SUGGEST)
    threshold = models.FloatField(
        default=0.5,
        help_text=(
            "Probability of being right (the fitted model's) from which a suggestion is shown."
        ),
    )
    auto_threshold = models.FloatField(
        default=0.85, help_text="Score from which the copilot answers the customer itself."
    )
    target_precision = models.FloatField(
        default=0.8, help_text="Share of shown suggestions that analysts should send."
    )
    update_interval_minutes = models.PositiveIntegerField(
        default=240,
        help_text="After a customer waited this long for us, the copilot drafts a status update.",
    )
    min_samples = models.PositiveIntegerField(
        default=30, help_text="Decided suggestions needed before the threshold is tuned."
    )
    exploration_share = models.FloatField(
        default=0.05,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=(
            "Share of runs scoring a little under the threshold that are shown anyway, labelled "
            "as exploring, so that tuning can also lower the threshold. 0 turns it off."
        ),
    )
    exploration_margin = models.FloatField(
        default=0.15,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="How far under the threshold a score may be and still be explored.",
    )
    calibrated_at = models.DateTimeField(null=True, blank=True)
    calibration_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "team copilot settings"

    def __str__(self) -> str:
        return f"Copilot settings of {self.team}"


class CopilotRun(models.Model):
    """One decision of the copilot on one customer message: spoken or silent, and why."""

    class Decision(models.TextChoices):
        SPEAK = "speak", "Spoke"
        SILENT = "silent", "Stayed silent"

    class Kind(models.TextChoices):
        ANSWER = "answer", "Answer"
        STATUS_UPDATE = "status_update", "Status update"

    class Trigger(models.TextChoices):
        MESSAGE = "message", "A customer message"
        REQUEST = "request", "Asked for: by an analyst, or for a customer waiting long"
        REPEAT = "repeat", "A repeat, recorded before a message was decided only once"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="copilot_runs")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="copilot_runs")
    # Each customer message is decided once, however often its task runs (a worker killed
    # mid-task gets it handed out again); a status update drafted on request is a run of its own.
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.MESSAGE)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    engine = models.CharField(max_length=16, default="local")
    gate_probability = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    query = models.TextField(blank=True)
    considered = models.ManyToManyField(KnowledgeEntry, related_name="+", blank=True)
    model = models.CharField(max_length=120, blank=True)
    llm_calls = models.PositiveSmallIntegerField(default=0)
    tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    explored = models.BooleanField(
        default=False, help_text="Spoke although the score was under the threshold (exploring)."
    )
    # The fitted model that scored the run (its version) and the features it was given for the
    # answer offered (or the best one, when silent): what `fit_copilot` refits from feedback.
    model_version = models.CharField(max_length=80, blank=True)
    features = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="copilot_run_ticket"),
            models.Index(fields=["decision", "created_at"], name="copilot_run_decision"),
            # Dashboards and the audit page read runs by date range, newest first.
            models.Index(fields=["created_at"], name="copilot_run_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(trigger="message"),
                name="copilot_run_one_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} on message {self.message_id}: {self.reason}"


class Suggestion(models.Model):
    """What the copilot offered, and what the analyst did with it."""

    class State(models.TextChoices):
        SHOWN = "shown", "Shown"
        INSERTED = "inserted", "Inserted into the reply box"
        SENT = "sent", "Sent as is"
        EDITED = "edited", "Edited and sent"
        DISMISSED = "dismissed", "Dismissed"
        AUTO_SENT = "auto_sent", "Sent to the customer by the copilot"
        SUPERSEDED = "superseded", "Superseded"

    class DismissReason(models.TextChoices):
        WRONG = "wrong", "Wrong"
        NOT_RELEVANT = "not_relevant", "Not relevant"
        OUTDATED = "outdated", "Outdated"
        ALREADY_ANSWERED = "already_answered", "Already answered"
        OTHER = "other", "Other"

    run = models.OneToOneField(CopilotRun, on_delete=models.CASCADE, related_name="suggestion")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=16, choices=CopilotRun.Kind.choices)
    text = models.TextField()
    label = models.CharField(max_length=60, default="Knowledge match")
    citations = models.ManyToManyField(KnowledgeEntry, related_name="suggestions", blank=True)
    score = models.FloatField(null=True, blank=True)
    why = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SHOWN)
    dismiss_reason = models.CharField(max_length=20, choices=DismissReason.choices, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    sent_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "state"], name="suggestion_ticket_state"),
            models.Index(fields=["created_at"], name="suggestion_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} suggestion on #{self.ticket_id} ({self.state})"


class FittedModel(models.Model):
    """A model fitted on a team's own history by ``manage.py fit_copilot``.

    The newest active one of a purpose is the team's; without one the team uses the default
    shipped in the package. ``body`` is the model as JSON (``ai.fitted``), ``report`` what the
    fit printed: examples, held-out log loss and the reliability table.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="fitted_models")
    purpose = models.CharField(max_length=40)
    version = models.CharField(max_length=80)
    body = models.JSONField()
    report = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "purpose", "-created_at"], name="fitted_team")]

    def __str__(self) -> str:
        return f"{self.purpose} model {self.version} of {self.team}"
