"""What tells an analyst that something needs them: notifications, their email settings, and
the first-response warnings already given. Imported by ``tickets.models``."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """One thing a user is told about one ticket. Shown only while the user may read the
    ticket (``tickets.notification_selectors``), so none reveals a ticket they cannot open."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to you"
        CUSTOMER_REPLY = "customer_reply", "Customer replied"
        SLA = "sla", "First response due soon"
        MENTION = "mention", "Mentioned in a note"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Who caused it ("Priya Raman", "Sam Okafor"), and a few words of what they wrote.
    actor_name = models.CharField(max_length=120, blank=True)
    excerpt = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # When an email digest listed it (each is emailed at most once).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user", "ticket"],
                condition=Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id} for {self.user_id}"

    @property
    def summary(self) -> str:
        """What happened, in words, e.g. "Sam Okafor assigned #12 to you"."""
        who = self.actor_name or "Vigil"
        number = f"#{self.ticket_id}"
        texts: dict[str, str] = {
            self.Kind.ASSIGNED: f"{who} assigned {number} to you",
            self.Kind.CUSTOMER_REPLY: f"{who} replied on {number}",
            self.Kind.SLA: f"The first response on {number} is due soon",
            self.Kind.MENTION: f"{who} mentioned you in a note on {number}",
        }
        return texts.get(self.kind, number)


class NotificationSettings(models.Model):
    """A user's choices about notifications: whether unread ones are also emailed, in one
    digest an hour (off unless they turn it on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_digest = models.BooleanField(default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class SlaWarning(models.Model):
    """A ticket whose first response was about to be late, and when its people were told: each
    ticket is warned once, however often the check runs."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_warning"
    )
    warned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"first response warning on #{self.ticket_id}"
