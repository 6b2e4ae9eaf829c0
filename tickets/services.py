"""Writes. Every change to tickets and their conversations goes through these functions."""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from core import roles
from tickets import attachments, mail, notification_services, realtime, selectors
from tickets.models import Customer, Message, Team, Ticket, TicketEvent, TicketRead
from tickets.signals import message_created, ticket_created, ticket_status_changed

Status = Ticket.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}
# A customer writing again puts the ticket back in front of the team.
REOPENED_BY_CUSTOMER = frozenset({Status.WAITING, Status.RESOLVED, Status.CLOSED})
MAX_TAGS = 10
TAG_RE = re.compile(r"[^a-z0-9._-]+")


class TicketError(Exception):
    """A change that cannot be made; the message is fit to show to the person who asked."""


def display_name(user: User) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise TicketError("The message is empty. Write something before sending.")
    limit = settings.VIGIL_MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise TicketError(
            f"Messages are limited to {limit:,} characters; this one has {len(text):,}."
        )
    return text


def customer_get_or_create(*, name: str, email: str) -> Customer:
    """The customer with this email; an existing one keeps its name (the portal is anonymous)."""
    email = email.strip().lower()
    customer, _ = Customer.objects.get_or_create(
        email=email, defaults={"name": name.strip()[:120] or email}
    )
    return customer


def ticket_create(
    *,
    team: Team,
    customer: Customer,
    subject: str,
    body: str,
    priority: int = Ticket.Priority.NORMAL,
    ip: str | None = None,
    external_id: str | None = None,
    at: dt.datetime | None = None,
    email_address: str = "",
    files: Sequence[attachments.IncomingFile] = (),
) -> Ticket:
    """Open a ticket with the customer's first message (``email_address``: the team mailbox
    it was written to, where replies come from; ``files``: attached to that message)."""
    subject = (subject or "").strip()
    if not subject:
        raise TicketError("A ticket needs a subject.")
    body = clean_body(body)
    now = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            subject=subject[:200],
            team=team,
            customer=customer,
            priority=priority,
            created_from_ip=ip,
            email_address=email_address,
            created_at=now,
            updated_at=now,
            last_message_at=now,
        )
        ticket.full_clean()
        ticket.save()
        _record(ticket, TicketEvent.Kind.CREATED, None, "", team.name, at=now, name=customer.name)
        message_create(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            body=body,
            author_name=customer.name,
            external_id=external_id,
            at=now,
            files=files,
        )
        transaction.on_commit(lambda: ticket_created.send(sender=Ticket, ticket=ticket))
    return ticket


def ticket_open_once(
    *,
    key: str | None,
    team: Team,
    name: str,
    email: str,
    subject: str,
    body: str,
    ip: str | None,
    files: Sequence[attachments.IncomingFile] = (),
) -> tuple[Ticket, bool]:
    """Open a ticket from a form; the same form sent twice opens it once.

    Returns (ticket, created). The advisory lock makes two simultaneous submits of one form
    wait for each other, so the second finds the first's ticket.
    """
    with transaction.atomic():
        if key:
            lock_key(key)
            existing = selectors.ticket_from_form(key=key, email=email, ip=ip)
            if existing is not None:
                return existing, False
        ticket = ticket_create(
            team=team,
            customer=customer_get_or_create(name=name, email=email),
            subject=subject,
            body=body,
            ip=ip,
            external_id=key,
            files=files,
        )
    return ticket, True


def ticket_open_with_key(
    *, key: str | None, team: Team, name: str, email: str, subject: str, body: str
) -> tuple[Ticket, bool]:
    """Open a ticket for an API caller; returns (ticket, created).

    ``key`` is the caller's own idempotency key (already scoped to the caller). The same key
    again returns the ticket it opened, for whichever customer it names; with another
    customer, subject or text it is refused (TicketError), never a second ticket.
    """
    with transaction.atomic():
        if key:
            lock_key(key)
            opening = selectors.message_with_key(key)
            if opening is not None:
                if not _opens(opening, email=email, subject=subject, body=body):
                    raise TicketError(
                        "This Idempotency-Key was already used for a different ticket "
                        "(another customer, subject or text). Use a new key for a new ticket."
                    )
                return opening.ticket, False
        ticket = ticket_create(
            team=team,
            customer=customer_get_or_create(name=name, email=email),
            subject=subject,
            body=body,
            external_id=key,
        )
    return ticket, True


def lock_key(key: str) -> None:
    """Two requests with one key wait for each other, so the second finds the first's work."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _opens(message: Message, *, email: str, subject: str, body: str) -> bool:
    """Whether ``message`` is the first message of a ticket these fields would open."""
    ticket = message.ticket
    return (
        message.kind == Message.Kind.CUSTOMER
        and ticket.customer.email == email.strip().lower()
        and ticket.subject == subject.strip()[:200]
        and message.body == body.strip()
    )


def message_create(
    *,
    ticket: Ticket,
    kind: str,
    body: str,
    author: User | None = None,
    author_name: str = "",
    internal: bool = False,
    external_id: str | None = None,
    at: dt.datetime | None = None,
    first_response: bool = True,
    email: bool = False,
    files: Sequence[attachments.IncomingFile] = (),
) -> tuple[Message, bool]:
    """Add a message; returns (message, created). A repeated ``external_id`` is a no-op.

    A public analyst reply is the ticket's first response unless ``first_response`` is False
    (a status update says we are on it; it does not answer the customer). With ``email``, a
    public analyst or copilot reply is also emailed to the customer (when they have a real
    address); internal notes never are. ``files`` are kept with the message, all or none: one
    that may not be kept refuses the message (``TicketError`` naming each)."""
    body = clean_body(body)
    if internal and kind == Message.Kind.CUSTOMER:
        raise TicketError("Customers cannot write internal notes.")
    external_id = (external_id or "").strip()[:200] or None
    # A message for a merged ticket (a customer answering an old email) joins the ticket it
    # was merged into; the caller's instance is left as it was.
    ticket = _merged_target(ticket)
    with transaction.atomic():
        # The row lock serialises writers of one ticket: the idempotency check and the
        # status change below cannot interleave with another message's.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if external_id:
            existing = locked.messages.filter(external_id=external_id).first()
            if existing is not None:
                if existing.kind != kind or existing.internal != internal:
                    raise TicketError("This message id already belongs to another message.")
                return existing, False
        now = at or timezone.now()
        locked.message_seq += 1
        if not internal:
            locked.public_message_seq += 1
        next_reply = (
            kind == Message.Kind.ANALYST
            and not internal
            and first_response
            and locked.first_response_at is not None
        )
        message = Message.objects.create(
            ticket=locked,
            seq=locked.message_seq,
            public_seq=None if internal else locked.public_message_seq,
            kind=kind,
            body=body,
            author=author,
            author_name=author_name or (display_name(author) if author else kind.title()),
            internal=internal,
            external_id=external_id,
            created_at=now,
            # A reply after the first response keeps how long the customer waited for it.
            waited_since=locked.awaiting_reply_since if next_reply else None,
        )
        if files:
            try:
                attachments.attachments_store(message=message, files=files)
            except attachments.AttachmentRefused as exc:
                raise TicketError(str(exc)) from exc
        _after_message(locked, message, actor=author, first_response=first_response)
        if notification_services.message_notifies(message=message, ticket=locked):
            notification_services.notify_safely(
                f"message {message.pk} on #{locked.pk}",
                lambda: notification_services.notify_message(message=message, ticket=locked),
            )
        if email and mail.emails_customer(message):
            mail.message_email_queue(message=message)
        realtime.publish_message(message)
        realtime.publish_queue_changed(locked.pk, locked.team_id)
        transaction.on_commit(lambda: message_created.send(sender=Message, message=message))
    _refresh(ticket, locked)
    return message, True


MAX_MERGE_HOPS = 20


def _merged_target(ticket: Ticket) -> Ticket:
    hops = 0
    while ticket.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        ticket = Ticket.objects.select_related("team", "customer").get(pk=ticket.merged_into_id)
        hops += 1
    return ticket


def ticket_first_response_withdraw(*, ticket: Ticket, message: Message) -> None:
    """``message`` turned out to be a status update, not a response: when it is what set the
    ticket's first response, the first response is the next public analyst reply, or none yet
    (the clock runs on)."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.first_response_at is None or locked.first_response_at != message.created_at:
            return
        later = locked.messages.filter(
            kind=Message.Kind.ANALYST, internal=False, created_at__gt=message.created_at
        ).order_by("created_at", "id")
        after = later.values_list("created_at", flat=True).first()
        locked.first_response_at = after
        locked.awaiting_reply_since = _awaiting_reply_since(locked, excluding=message)
        locked.save(update_fields=["first_response_at", "awaiting_reply_since"])
    _refresh(ticket, locked)


def _awaiting_reply_since(
    ticket: Ticket, *, excluding: Message | None = None
) -> dt.datetime | None:
    """The oldest customer message after the last public analyst reply but ``excluding``."""
    replies = ticket.messages.filter(kind=Message.Kind.ANALYST, internal=False)
    if excluding is not None:
        replies = replies.exclude(pk=excluding.pk)
    last_reply = replies.order_by("-created_at", "-id").values_list("created_at", flat=True)
    waiting = ticket.messages.filter(kind=Message.Kind.CUSTOMER)
    if (since := last_reply.first()) is not None:
        waiting = waiting.filter(created_at__gt=since)
    return waiting.order_by("created_at", "id").values_list("created_at", flat=True).first()


def _after_message(
    ticket: Ticket, message: Message, *, actor: User | None, first_response: bool = True
) -> None:
    fields = ["last_message_at", "updated_at", "message_seq", "public_message_seq"]
    ticket.last_message_at = max(ticket.last_message_at, message.created_at)
    ticket.updated_at = message.created_at
    public_staff_reply = message.kind == Message.Kind.ANALYST and not message.internal
    if public_staff_reply and first_response and ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        fields.append("first_response_at")
    customer_waits = message.kind == Message.Kind.CUSTOMER and ticket.awaiting_reply_since is None
    if customer_waits or (public_staff_reply and first_response):
        # A reply answers everything the customer wrote before it.
        ticket.awaiting_reply_since = message.created_at if customer_waits else None
        fields.append("awaiting_reply_since")
    reopened = message.kind == Message.Kind.CUSTOMER and ticket.status in REOPENED_BY_CUSTOMER
    if public_staff_reply and _takes_it(ticket, actor):
        fields.append("assignee")
        ticket.assignee = actor
        _record(
            ticket,
            TicketEvent.Kind.ASSIGNEE,
            actor,
            "",
            display_name(actor),  # type: ignore[arg-type]
            at=message.created_at,
            name=message.author_name,
        )
    taken = public_staff_reply and ticket.status == Status.NEW
    if reopened or taken:
        fields += _apply_status(
            ticket, Status.OPEN, actor=actor, name=message.author_name, at=message.created_at
        )
    ticket.save(update_fields=fields)


def ticket_change_status(
    *, ticket: Ticket, actor: User, status: str, at: dt.datetime | None = None
) -> Ticket:
    if status not in Status.values:
        raise TicketError(f"Unknown status {status!r}.")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.merged_into_id is not None:
            raise TicketError(
                f"This ticket was merged into #{locked.merged_into_id}; work on that one."
            )
        if locked.status == status:
            return locked
        if status not in TRANSITIONS[locked.status]:
            raise TicketError(
                f"A {locked.get_status_display().lower()} ticket cannot be set to "
                f"{Status(status).label.lower()}."
            )
        now = at or timezone.now()
        fields = _apply_status(locked, status, actor=actor, name=display_name(actor), at=now)
        locked.updated_at = now
        locked.save(update_fields=[*fields, "updated_at"])
    _refresh(ticket, locked)
    return ticket


def _apply_status(
    ticket: Ticket,
    status: str,
    *,
    actor: User | None,
    name: str,
    at: dt.datetime,
) -> list[str]:
    old = ticket.status
    ticket.status = status
    fields = ["status"]
    if status == Status.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
    elif status == Status.OPEN and old in {Status.RESOLVED, Status.CLOSED}:
        ticket.resolved_at = ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    _record(ticket, TicketEvent.Kind.STATUS, actor, old, status, at=at, name=name)
    transaction.on_commit(
        lambda: ticket_status_changed.send(
            sender=Ticket, ticket=ticket, old_status=old, new_status=status
        )
    )
    return fields


def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None) -> Ticket:
    changed = False

    def change(locked: Ticket) -> Change | None:
        nonlocal changed
        if assignee is not None and not _may_be_assigned(locked, assignee):
            raise TicketError(f"{display_name(assignee)} cannot work {locked.team.name} tickets.")
        if locked.assignee_id == (assignee.pk if assignee else None):
            return None
        changed = True
        old = display_name(locked.assignee) if locked.assignee else ""
        new = display_name(assignee) if assignee else ""
        return Change(TicketEvent.Kind.ASSIGNEE, old, new, {"assignee": assignee})

    _update(ticket, actor, change)
    if changed and assignee is not None:
        notification_services.notify_safely(
            f"assignment of #{ticket.pk}",
            lambda: notification_services.notify_assigned(
                ticket=ticket, assignee=assignee, actor=actor
            ),
        )
    return ticket


def _takes_it(ticket: Ticket, actor: User | None) -> bool:
    """Replying in public to an unassigned ticket assigns it to the analyst who replied, where
    the team says so (``Team.assign_on_reply``) and they may be assigned."""
    return (
        actor is not None
        and ticket.assignee_id is None
        and ticket.team.assign_on_reply
        and _may_be_assigned(ticket, actor)
    )


def _may_be_assigned(ticket: Ticket, user: User) -> bool:
    if not user.is_active or not roles.can_work_tickets(user):
        return False
    if user.groups.filter(name=roles.SERVICE_ACCOUNTS).exists():
        return False
    return roles.sees_all_teams(user) or ticket.team.members.filter(pk=user.pk).exists()


def ticket_set_priority(*, ticket: Ticket, actor: User, priority: int) -> Ticket:
    if priority not in Ticket.Priority.values:
        raise TicketError(f"Unknown priority {priority!r}.")

    def change(locked: Ticket) -> Change | None:
        if locked.priority == priority:
            return None
        old, new = locked.get_priority_display(), Ticket.Priority(priority).label
        return Change(TicketEvent.Kind.PRIORITY, old, new, {"priority": priority})

    return _update(ticket, actor, change)


def normalise_tags(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        tag = TAG_RE.sub("-", item.strip().lower()).strip("-")[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise TicketError(f"A ticket takes at most {MAX_TAGS} tags.")
    return tags


def ticket_set_tags(*, ticket: Ticket, actor: User, tags: str | list[str]) -> Ticket:
    cleaned = normalise_tags(tags)

    def change(locked: Ticket) -> Change | None:
        if cleaned == locked.tags:
            return None
        old, new = ", ".join(locked.tags), ", ".join(cleaned)
        return Change(TicketEvent.Kind.TAGS, old, new, {"tags": cleaned})

    return _update(ticket, actor, change)


def ticket_move(*, ticket: Ticket, actor: User, team: Team) -> Ticket:
    def change(locked: Ticket) -> Change | None:
        if locked.team_id == team.pk:
            return None
        fields: dict[str, object] = {"team": team}
        # The team it leaves drops it from its queues (the new one hears of it when recorded).
        realtime.publish_queue_changed(locked.pk, locked.team_id)
        if locked.assignee_id and not team.members.filter(pk=locked.assignee_id).exists():
            fields["assignee"] = None
        return Change(TicketEvent.Kind.TEAM, locked.team.name, team.name, fields)

    return _update(ticket, actor, change)


@dataclass(frozen=True)
class Change:
    """What an edit does to a ticket, worked out on the locked row."""

    kind: str
    old: str
    new: str
    fields: dict[str, object]


def _update(ticket: Ticket, actor: User, change: Callable[[Ticket], Change | None]) -> Ticket:
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("team", "assignee")
            .get(pk=ticket.pk)
        )
        result = change(locked)
        if result is None:
            return ticket
        for field, value in result.fields.items():
            setattr(locked, field, value)
        locked.updated_at = now
        locked.save(update_fields=[*result.fields, "updated_at"])
        _record(
            locked, result.kind, actor, result.old, result.new, at=now, name=display_name(actor)
        )
    _refresh(ticket, locked)
    return ticket


def _record(
    ticket: Ticket,
    kind: str,
    actor: User | None,
    old: str,
    new: str,
    *,
    at: dt.datetime,
    name: str,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        actor_name=name[:120],
        old_value=str(old)[:200],
        new_value=str(new)[:200],
        created_at=at,
    )
    realtime.publish_ticket_changed(ticket.pk)
    realtime.publish_queue_changed(ticket.pk, ticket.team_id)
    return event


def _refresh(target: Ticket, source: Ticket) -> None:
    """Copy the saved state back onto the caller's instance."""
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for field in (Ticket.assignee.field, Ticket.team.field):
        if field.is_cached(target):
            field.delete_cached_value(target)


def ticket_mark_read(*, ticket: Ticket, user: User) -> None:
    # One upsert: this runs on every ticket page view.
    TicketRead.objects.bulk_create(
        [TicketRead(user=user, ticket=ticket, last_read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["last_read_at"],
    )


def tickets_auto_close(*, older_than: dt.timedelta, among: Iterable[int] | None = None) -> int:
    """Close tickets that stayed resolved for ``older_than`` (only those of ids ``among``,
    when given). Returns how many were closed."""
    cutoff = timezone.now() - older_than
    closed = 0
    stale = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff)
    if among is not None:
        stale = stale.filter(pk__in=list(among))
    for ticket_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
            if ticket.status != Status.RESOLVED:
                continue
            now = timezone.now()
            fields = _apply_status(ticket, Status.CLOSED, actor=None, name="Vigil", at=now)
            ticket.updated_at = now
            ticket.save(update_fields=[*fields, "updated_at"])
            closed += 1
    return closed
