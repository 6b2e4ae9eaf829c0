"""Writes of notifications: who is told what, when a ticket is assigned, a customer replies, a
first response is about to be late or a note mentions someone; and marking them read.

The ticket services call these inside their own transaction, each in a savepoint of its own
(``notify_safely``): a notification that cannot be made is logged and dropped, and the message
or change it was about is saved all the same. Only users who may read the ticket are told.
"""

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core import roles
from tickets import realtime, selectors, sla
from tickets.models import Message, Notification, NotificationSettings, SlaWarning, Ticket

logger = logging.getLogger(__name__)
Kind = Notification.Kind
# "@sam" or "@j.doe" (Django's username characters), not the middle of an email address.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
EXCERPT_CHARS = 160
# A first response whose deadline passed longer ago than this when the check first sees it
# (Vigil was stopped, say) is history: it is not warned of any more.
SLA_WARNING_GRACE = dt.timedelta(hours=1)


def notify_safely(what: str, notify: Callable[[], object]) -> None:
    """Run ``notify`` in a savepoint; if it fails, log it and carry on without it."""
    try:
        with transaction.atomic():
            notify()
    except Exception:
        logger.exception("could not notify: %s", what)


def notify_assigned(*, ticket: Ticket, assignee: User, actor: User | None) -> list[Notification]:
    """``assignee`` was given ``ticket`` by ``actor`` (nobody is told of taking it themselves)."""
    if actor is not None and actor.pk == assignee.pk:
        return []
    name = _name(actor) if actor is not None else "Vigil"
    return _notify([assignee], ticket=ticket, kind=Kind.ASSIGNED, actor_name=name)


def message_notifies(*, message: Message, ticket: Ticket) -> bool:
    """Whether ``notify_message`` may tell anyone of ``message``: a customer's message on an
    assigned ticket, or an internal note (it may mention someone). Asked without a query."""
    if ticket.is_imported:
        return False
    customer_to_assignee = message.kind == Message.Kind.CUSTOMER and ticket.assignee_id is not None
    return customer_to_assignee or message.internal


def notify_message(*, message: Message, ticket: Ticket) -> list[Notification]:
    """A customer's message tells the ticket's assignee; an internal note tells the people it
    mentions by username who may read the ticket."""
    if not message_notifies(message=message, ticket=ticket):
        return []
    if message.kind == Message.Kind.CUSTOMER and ticket.assignee_id is not None:
        assignee = User.objects.get(pk=ticket.assignee_id)
        return _notify(
            [assignee],
            ticket=ticket,
            kind=Kind.CUSTOMER_REPLY,
            actor_name=ticket.customer.name,
            message=message,
        )
    if message.internal:
        mentioned = mentioned_users(message.body).exclude(pk=message.author_id or 0)
        return _notify(
            mentioned,
            ticket=ticket,
            kind=Kind.MENTION,
            actor_name=message.author_name,
            message=message,
        )
    return []


def mentioned_users(text: str) -> QuerySet[User]:
    """The active users named ``@username`` in ``text`` (a trailing full stop is not part of
    a name: "ask @sam." names sam)."""
    names = {name.rstrip(".") for name in MENTION_RE.findall(text or "")}
    names.discard("")
    return User.objects.filter(is_active=True, username__in=names).order_by("pk")


def first_responses_warn(*, now: dt.datetime | None = None) -> int:
    """Warn of tickets whose first response is due within the last quarter of its window (the
    queue's amber clock): their assignee, or when nobody has it, every member of the team who
    works tickets. Each ticket once. Returns how many tickets were warned."""
    now = now or timezone.now()
    warned = 0
    for ticket in _due_soon(now):
        with transaction.atomic():
            _, created = SlaWarning.objects.get_or_create(
                ticket=ticket, defaults={"warned_at": now}
            )
            if not created:
                continue  # another check got there first
            people = [ticket.assignee] if ticket.assignee else _team_workers(ticket)
            notify_safely(
                f"first response on #{ticket.pk}",
                partial(_notify, people, ticket=ticket, kind=Kind.SLA, at=now),
            )
            warned += 1
    return warned


def _due_soon(now: dt.datetime) -> QuerySet[Ticket]:
    window = Q()
    for priority, hours in sla.sla_hours().items():
        span = dt.timedelta(hours=hours)
        warn_from = now - span * (1 - sla.SOON_SHARE)  # opened before this: a quarter left
        too_old = now - span - SLA_WARNING_GRACE
        window |= Q(priority=priority, created_at__lte=warn_from, created_at__gt=too_old)
    return (
        Ticket.objects.filter(window, first_response_at__isnull=True, sla_warning__isnull=True)
        .filter(import_id__isnull=True, merged_into__isnull=True)
        .exclude(status__in=sla.NO_CLOCK)
        .select_related("team", "assignee")
        .order_by("created_at")
    )


def _team_workers(ticket: Ticket) -> list[User]:
    members = ticket.team.members.filter(is_active=True).exclude(
        groups__name=roles.SERVICE_ACCOUNTS
    )
    return [user for user in members.order_by("pk") if roles.can_work_tickets(user)]


def _notify(
    users: Iterable[User],
    *,
    ticket: Ticket,
    kind: str,
    actor_name: str = "",
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> list[Notification]:
    """One notification per user who may read ``ticket``, pushed to their pages on commit."""
    made = []
    excerpt = _excerpt(message.body) if message is not None else ""
    for user in users:
        if not user.is_active or not selectors.ticket_ids_for_user(user, [ticket.pk]):
            continue
        made.append(
            Notification.objects.create(
                user=user,
                ticket=ticket,
                message=message,
                kind=kind,
                actor_name=actor_name[:120],
                excerpt=excerpt,
                # A message's notification bears its time (a message recorded late, as an
                # email or an import is, says when it was written).
                created_at=at or (message.created_at if message is not None else timezone.now()),
            )
        )
        realtime.publish_notifications_changed(user.pk)
    return made


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (already read: nothing changes)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        realtime.publish_notifications_changed(notification.user_id)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read. Returns how many were."""
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        realtime.publish_notifications_changed(user.pk)
    return marked


def notifications_read_for_ticket(*, user: User, ticket: Ticket) -> int:
    """The user opened ``ticket``: what they were told about it is read."""
    marked = Notification.objects.filter(user=user, ticket=ticket, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        realtime.publish_notifications_changed(user.pk)
    return marked


def notification_settings_update(*, user: User, email_digest: bool) -> NotificationSettings:
    """Turn the user's email digest on or off."""
    found, _ = NotificationSettings.objects.update_or_create(
        user=user, defaults={"email_digest": email_digest}
    )
    return found
