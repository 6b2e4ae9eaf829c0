import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from tickets.notification_models import Notification as Notification
from tickets.notification_models import NotificationSettings as NotificationSettings
from tickets.notification_models import SlaWarning as SlaWarning
from tickets.placeholders import validate_placeholders


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    assign_on_reply = models.BooleanField(
        default=True,
        db_default=True,  # code that predates it (older migrations) inserts teams without it
        help_text="An analyst who replies in public to an unassigned ticket takes it.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting on customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    # The portal link signs this, never the sequential id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    created_from_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    # The customer's oldest public message no analyst has publicly replied to since: the
    # next-response clock runs from it (tickets.sla). None while the last word is the team's.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set on a ticket brought in from a team's history (``import_conversations``): the
    # conversation's id in the file. Imported tickets are closed, and stay out of live figures.
    import_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # The sequence numbers last given to this ticket's messages: all of them (what staff
    # pages see) and the public ones (the customer's page). Raised under the ticket's lock.
    # A default in the database too: code that predates them (older migrations) inserts
    # tickets without them.
    message_seq = models.PositiveIntegerField(default=0, db_default=0)
    public_message_seq = models.PositiveIntegerField(default=0, db_default=0)
    # The team mailbox the customer wrote to: replies by email come from it. Empty for tickets
    # opened elsewhere (they get replies from DEFAULT_FROM_EMAIL).
    email_address = models.EmailField(blank=True, default="", db_default="")
    # Set when this ticket was merged into another of the same customer: its messages and
    # timeline moved there, and it stays closed, pointing to it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )

    class Meta:
        ordering = ["-last_message_at"]
        indexes = [
            models.Index(fields=["team", "status", "-last_message_at"]),
            models.Index(fields=["-last_message_at"]),
            models.Index(fields=["customer", "-created_at"]),
            GinIndex(fields=["tags"]),
            # Dashboards count tickets opened and resolved per day over a date range.
            models.Index(fields=["created_at"], name="ticket_created"),
            models.Index(fields=["resolved_at"], name="ticket_resolved"),
        ]
        constraints = [
            # Importing the same history twice adds nothing.
            models.UniqueConstraint(
                fields=["team", "import_id"],
                condition=Q(import_id__isnull=False),
                name="ticket_unique_import_id_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_imported(self) -> bool:
        return self.import_id is not None

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.RESOLVED, self.Status.CLOSED}


class Message(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        ANALYST = "analyst", "Analyst"
        COPILOT = "copilot", "Copilot"
        SYSTEM = "system", "System"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Internal notes are seen by staff only, never on the customer's page.
    internal = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    author_name = models.CharField(max_length=120)
    body = models.TextField()
    # Idempotency key from the sender (portal form token, integration delivery id...).
    # NULL, not "", for messages without one: the unique constraint only covers real keys.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField()
    # Numbered 1, 2, 3… per ticket in the order saved, over all messages (``seq``) and over the
    # public ones (``public_seq``, NULL for internal notes). Every pushed message carries its
    # number, so a page that sees 7 after 5 knows it missed 6 and fetches it. NULL only for
    # rows written around the services (fixtures).
    seq = models.PositiveIntegerField(null=True, blank=True)
    public_seq = models.PositiveIntegerField(null=True, blank=True)
    # An analyst's public reply after the first response: since when the customer had waited
    # for it (the ticket's ``awaiting_reply_since`` as the reply came). What the Support
    # dashboard counts late next replies from.
    waited_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"]),
            models.Index(
                fields=["waited_since"],
                condition=Q(waited_since__isnull=False),
                name="message_waited_since",
            ),
            models.Index(fields=["ticket", "seq"], name="message_ticket_seq"),
            models.Index(fields=["ticket", "public_seq"], name="message_ticket_public_seq"),
            # An idempotency key is looked up across tickets (a retried ticket creation).
            models.Index(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="message_external_id",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id_per_ticket",
            ),
            models.CheckConstraint(
                condition=~Q(internal=True) | Q(kind__in=["analyst", "copilot", "system"]),
                name="message_internal_only_for_staff_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} message on #{self.ticket_id}"


class TicketEvent(models.Model):
    """One change to a ticket, shown in its timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status"
        ASSIGNEE = "assignee", "Assignee"
        PRIORITY = "priority", "Priority"
        TAGS = "tags", "Tags"
        TEAM = "team", "Team"
        MERGED = "merged", "Merged"
        RATING = "rating", "Rating"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField(max_length=120)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}: {self.old_value} -> {self.new_value}"


class TicketRead(models.Model):
    """When a user last saw a ticket: drives the queue's unread markers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reads")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="ticket_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read #{self.ticket_id} at {self.last_read_at:%Y-%m-%d %H:%M}"


class Macro(models.Model):
    """A canned reply: a body with placeholders, and changes it may make to the ticket.

    Either a team's (managed by admins, offered on that team's tickets) or one analyst's own
    (offered to them on every ticket they may work)."""

    name = models.CharField(max_length=80)
    body = models.TextField(
        validators=[validate_placeholders],
        help_text="Placeholders such as {{ customer_name }} are filled in when it is used.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        help_text="Offered on this team's tickets; empty for a personal macro.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
    )
    set_status = models.CharField(
        max_length=16, choices=Ticket.Status.choices, blank=True, help_text="Optional."
    )
    set_priority = models.PositiveSmallIntegerField(
        choices=Ticket.Priority.choices, null=True, blank=True, help_text="Optional."
    )
    add_tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    copilot_offers = models.BooleanField(
        default=True,
        verbose_name="The copilot may offer it",
        help_text=(
            "A team's macro only: offered by the copilot as an answer, learning from each reply "
            "sent with it which questions it answers. Off for greetings, sign-offs and holding "
            "replies."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True, owner__isnull=False)
                | Q(team__isnull=False, owner__isnull=True),
                name="macro_team_or_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.team_id is None) == (self.owner_id is None):
            raise ValidationError("A macro belongs either to a team or to one person, not both.")

    @property
    def has_actions(self) -> bool:
        return bool(self.set_status or self.set_priority or self.add_tags)

    @property
    def actions_summary(self) -> str:
        """What the macro changes, in words, e.g. "status → Resolved; tags + refund"."""
        parts = []
        if self.set_status:
            parts.append(f"status → {self.get_set_status_display()}")
        if self.set_priority:
            parts.append(f"priority → {self.get_set_priority_display()}")
        if self.add_tags:
            parts.append("tags + " + ", ".join(self.add_tags))
        return "; ".join(parts)


class MacroUse(models.Model):
    """One reply sent with a macro: what the usage figures count."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="macro_uses")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="macro_uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    used_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["used_at"]), models.Index(fields=["macro", "used_at"])]
        constraints = [
            # A reply retried with its idempotency key counts once.
            models.UniqueConstraint(fields=["macro", "message"], name="macro_use_once_per_message")
        ]

    def __str__(self) -> str:
        return f"{self.macro_id} on #{self.ticket_id}"


class MessageEmail(models.Model):
    """A message's life as an email: received from the customer, or sent to them.

    ``rfc_message_id`` is the RFC 5322 Message-ID (with its angle brackets): replies name it in
    In-Reply-To and References, which is how an answer by email finds its ticket.
    """

    class Direction(models.TextChoices):
        INBOUND = "in", "Received"
        OUTBOUND = "out", "Sent"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="email")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    rfc_message_id = models.CharField(max_length=250, unique=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    # Outbound: the customer's address; inbound: the sender's.
    address = models.EmailField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Outbound and queued: when the next try is due (a claimed send pushes it forward, so a
    # worker that died mid-send is retried, and two workers never send one email together).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Inbound: the whole text before quoted history and the signature were cut from the body.
    original = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_email_due")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.rfc_message_id} ({self.status})"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # Never the sender's file name on disk: it is only shown, and offered on download.
    return f"attachments/{attachment.message.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file that came with a message, kept through Django's storage API and served only to
    those who may read its ticket."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    # Sniffed from the content, never taken from the sender's header or the file name.
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} on message {self.message_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_PREVIEW_TYPES


# Raster images a browser may show inline (SVG is not one: it can carry script).
IMAGE_PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class SatisfactionRating(models.Model):
    """The customer's verdict on one resolution of their ticket: good or bad, and a comment.

    One per resolution (``resolved_at`` is the ticket's when it was rated); the customer may
    change it until the ticket is reopened, after which a new resolution may be rated anew."""

    class Rating(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ratings")
    # The team that resolved it: a ticket moved later keeps its ratings where they were earned.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ratings")
    rating = models.CharField(max_length=4, choices=Rating.choices)
    comment = models.TextField(blank=True, max_length=2000)
    resolved_at = models.DateTimeField()
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="rating_once_per_resolution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating} on #{self.ticket_id}"


class SavedView(models.Model):
    """A queue filter one person saved under a name: the queue page's query string, kept in a
    normal form (known keys only, in one order, no page)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name
