import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from tickets.models import Team, Ticket


class Event(models.TextChoices):
    """What outbound webhooks announce."""

    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_STATUS_CHANGED = "ticket.status_changed", "Ticket status changed"
    SUGGESTION_ACCEPTED = "suggestion.accepted", "Suggestion accepted"
    KNOWLEDGE_APPROVED = "knowledge.approved", "Knowledge approved"


class Integration(models.Model):
    """Another system plugged into Vigil: it posts conversations in and receives events."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="integrations",
        help_text="New tickets from this integration go to this team.",
    )
    active = models.BooleanField(default=True)
    # Kept readable because every inbound signature is checked against it; the admin sees it
    # once, when it is made.
    secret = models.CharField(max_length=100, editable=False)
    # Acts for the integration on the REST API, scoped like an analyst of ``team``.
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="integration",
        editable=False,
    )
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationLink(models.Model):
    """An integration's external conversation and the ticket it became."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="conversations"
    )
    external_id = models.CharField(max_length=200)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="conversation_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration} {self.external_id} -> #{self.ticket_id}"


class WebhookEndpoint(models.Model):
    """A URL of an integration that receives the events it subscribed to."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="endpoints")
    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=40, choices=Event.choices))
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["integration", "url"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the delivery log, with its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    # Sent as X-Vigil-Delivery: the receiver's key to ignore a delivery it already has.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"


class Mailbox(models.Model):
    """A team's email address: mail to it opens and continues the team's tickets.

    Mail comes in through the signed raw-MIME endpoint (a provider's inbound route, relayed),
    or is fetched from an IMAP mailbox every minute when ``imap_enabled``.
    """

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="mailboxes")
    address = models.EmailField(
        unique=True, help_text="The address customers write to; replies are sent from it."
    )
    active = models.BooleanField(default=True)
    # Signs deliveries to the inbound endpoint, as an integration's secret does.
    secret = models.CharField(max_length=100, editable=False)
    imap_enabled = models.BooleanField(
        "poll over IMAP", default=False, help_text="Fetch unread mail from the server below."
    )
    imap_host = models.CharField(max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField("IMAP over TLS", default=True)
    imap_username = models.CharField(max_length=200, blank=True)
    imap_password = models.CharField(max_length=200, blank=True)
    imap_folder = models.CharField(max_length=200, default="INBOX")
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"
