"""Reads. ``ticket_get_for_user`` is the only way a view, API or consumer loads a ticket."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.http import QueryDict
from django.urls import reverse

from core import roles
from tickets import sla
from tickets.models import (
    Attachment,
    Customer,
    Macro,
    Message,
    MessageEmail,
    SatisfactionRating,
    SavedView,
    Team,
    Ticket,
    TicketEvent,
    TicketRead,
)

PORTAL_SALT = "vigil.portal.ticket"

AnyUser = User | AnonymousUser


class TicketNotFound(Exception):
    """No such ticket, or not one this user may see (the two are not told apart)."""


class MacroNotFound(Exception):
    """No such macro, or not one this user may use (the two are not told apart)."""


class SavedViewNotFound(Exception):
    """No such saved view, or another person's (the two are not told apart)."""


class PortalLinkInvalid(Exception):
    """The portal link was forged, tampered with, or names no ticket."""


def teams_for_user(user: AnyUser) -> QuerySet[Team]:
    if roles.sees_all_teams(user):
        return Team.objects.all()
    if not roles.can_view_tickets(user):
        return Team.objects.none()
    return Team.objects.filter(members=user.pk)


def tickets_for_user(user: AnyUser) -> QuerySet[Ticket]:
    if roles.sees_all_teams(user):
        return Ticket.objects.all()
    if not roles.can_view_tickets(user):
        return Ticket.objects.none()
    return Ticket.objects.filter(team__in=Team.objects.filter(members=user.pk))


def ticket_get_for_user(
    user: AnyUser, ticket_id: int | str, *, fields: tuple[str, ...] = ()
) -> Ticket:
    """The ticket, if ``user`` may read it, with its team, customer and assignee; with
    ``fields``, only those (a writer that locks and reads the ticket again itself)."""
    pk = parse_int(str(ticket_id))
    if pk is None:
        raise TicketNotFound(ticket_id)
    tickets = tickets_for_user(user).filter(pk=pk)
    if fields:
        tickets = tickets.only(*fields)
    else:
        tickets = tickets.select_related("team", "customer", "assignee")
    ticket = tickets.first()
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def ticket_ids_for_user(user: AnyUser, ticket_ids: Iterable[int]) -> set[int]:
    """Which of ``ticket_ids`` the user may read: one query, after the one for their roles."""
    return set(tickets_for_user(user).filter(pk__in=list(ticket_ids)).values_list("pk", flat=True))


def ticket_ids_for_users(asked: Mapping[User, Iterable[int]]) -> dict[int, set[int]]:
    """``ticket_ids_for_user`` for many users at once (user pk → the tickets of theirs they may
    read), by the same rule as ``tickets_for_user``: at most two queries, after their roles."""
    return _ids_for_users(asked, Ticket.objects.all(), "team__members")


def team_ids_for_users(asked: Mapping[User, Iterable[int]]) -> dict[int, set[int]]:
    """For each user, which of the asked teams' tickets they see (``teams_for_user``'s rule)."""
    return _ids_for_users(asked, Team.objects.all(), "members")


def _ids_for_users(
    asked: Mapping[User, Iterable[int]], objects: QuerySet[Any], members: str
) -> dict[int, set[int]]:
    wanted = {user: set(ids) for user, ids in asked.items()}
    everyone = {user for user in wanted if roles.sees_all_teams(user)}
    scoped = {user for user in wanted if user not in everyone and roles.can_view_tickets(user)}
    found: dict[int, set[int]] = {user.pk: set() for user in wanted}
    if everyone:
        ids = set().union(*(wanted[user] for user in everyone))
        existing = set(objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
        for user in everyone:
            found[user.pk] |= wanted[user] & existing
    if scoped:
        ids = set().union(*(wanted[user] for user in scoped))
        pairs = objects.filter(
            pk__in=list(ids), **{f"{members}__in": [user.pk for user in scoped]}
        ).values_list(members, "pk")
        asked_by = {user.pk: wanted[user] for user in scoped}
        for user_pk, pk in pairs:
            if pk in asked_by[user_pk]:
                found[user_pk].add(pk)
    return found


def portal_token_for(ticket: Ticket) -> str:
    return signing.Signer(salt=PORTAL_SALT).sign(str(ticket.public_id))


def portal_path(ticket: Ticket) -> str:
    """The path of the customer's private page of ``ticket``."""
    return reverse("portal:ticket", args=[portal_token_for(ticket)])


def portal_url(ticket: Ticket) -> str:
    """That page's address where no request is at hand (email, the copilot): VIGIL_PUBLIC_URL."""
    return settings.VIGIL_PUBLIC_URL + portal_path(ticket)


def ticket_get_for_portal(token: str) -> Ticket:
    try:
        public_id = signing.Signer(salt=PORTAL_SALT).unsign(token)
        ticket = Ticket.objects.select_related("team", "customer").get(public_id=public_id)
    except (signing.BadSignature, Ticket.DoesNotExist, ValidationError, ValueError) as exc:
        raise PortalLinkInvalid from exc
    return ticket


def ticket_from_form(*, key: str | None, email: str, ip: str | None) -> Ticket | None:
    """The ticket a portal form already opened: same one-time key, email and address."""
    if not key:
        return None
    return (
        Ticket.objects.filter(
            messages__external_id=key,
            customer__email=email.strip().lower(),
            created_from_ip=ip,
        )
        .order_by("pk")
        .first()
    )


def message_with_key(key: str) -> Message | None:
    """The first message stored with the idempotency key ``key``, with its ticket."""
    return (
        Message.objects.select_related("ticket__customer")
        .filter(external_id=key)
        .order_by("pk")
        .first()
    )


def conversation_for_staff(ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author", "email").prefetch_related("attachments")
    return messages.order_by("created_at", "id")


def message_email_for_ticket(ticket: Ticket, message_id: int) -> MessageEmail | None:
    return (
        MessageEmail.objects.select_related("message")
        .filter(message__ticket=ticket, message_id=message_id)
        .first()
    )


def attachment_for_ticket(ticket: Ticket, attachment_id: int) -> Attachment | None:
    """One of ``ticket``'s files; only after the ticket itself was loaded for the user."""
    return Attachment.objects.filter(message__ticket=ticket, pk=attachment_id).first()


def attachments_of(ticket: Ticket) -> QuerySet[Attachment]:
    """Every file on ``ticket`` (internal notes' too: for staff), oldest first."""
    files = Attachment.objects.filter(message__ticket=ticket).select_related("message")
    return files.order_by("created_at", "id")


def attachment_for_customer(ticket: Ticket, attachment_id: int) -> Attachment | None:
    """One of the files of ``ticket``'s public messages: an internal note's never reach the
    customer."""
    public = Attachment.objects.filter(message__ticket=ticket, message__internal=False)
    return public.filter(pk=attachment_id).first()


def conversation_for_customer(ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.filter(internal=False).prefetch_related("attachments")
    return messages.order_by("created_at", "id")


def customer_history(user: AnyUser, ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """The customer's other tickets this user may see, newest first (imported ones too)."""
    others = tickets_for_user(user).filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk)
    return list(others.select_related("team").order_by("-created_at", "-pk")[:limit])


class CustomerNotFound(Exception):
    """No such customer, or none of their tickets is one this user may see."""


def customer_get_for_user(user: AnyUser, customer_id: int | str) -> Customer:
    """The customer, if the user may see at least one of their tickets (who writes to other
    teams is not this user's business)."""
    pk = parse_int(str(customer_id))
    visible = tickets_for_user(user).filter(customer_id=OuterRef("pk"))
    customer = Customer.objects.filter(pk=pk or 0).filter(Exists(visible)).first()
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


def customer_tickets(user: AnyUser, customer: Customer) -> QuerySet[Ticket]:
    """All the customer's tickets this user may see, newest first, merged ones included."""
    tickets = tickets_for_user(user).filter(customer=customer)
    return tickets.select_related("team", "assignee").order_by("-created_at", "-pk")


def ratings_for(ticket: Ticket) -> QuerySet[SatisfactionRating]:
    return ticket.ratings.order_by("-resolved_at", "-id")


def timeline_for(ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.order_by("-created_at", "-id")


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    team: str = ""
    assignee: str = ""
    priority: str = ""
    q: str = ""
    sort: str = "-last_message_at"


QUEUE_SORTS = {
    "-last_message_at": "Last activity",
    "last_message_at": "Oldest activity",
    "-created_at": "Newest",
    "created_at": "Oldest",
    "-priority": "Priority",
    "due": "Response due soonest",
}
OPEN_STATUSES = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING]


def queue_filters(params: Mapping[str, str]) -> QueueFilters:
    """The queue's filters from a query string's values (the page's, or a saved view's)."""

    def value(name: str, default: str = "") -> str:
        # PostgreSQL refuses NUL characters in text; a filter value never needs one.
        return (params.get(name) or default).replace("\x00", "").strip()[:200]

    return QueueFilters(
        status=value("status"),
        team=value("team"),
        assignee=value("assignee"),
        priority=value("priority"),
        q=value("q"),
        sort=value("sort", "-last_message_at"),
    )


def ticket_queue(user: AnyUser, filters: QueueFilters) -> QuerySet[Ticket]:
    """The queue: unfinished tickets, or those of the status chosen; a search without a chosen
    status looks at every status, since what one searches for is often in the past."""
    tickets = _queue_matches(user, filters).select_related("team", "customer", "assignee")
    last_read = TicketRead.objects.filter(user_id=user.pk or 0, ticket=OuterRef("pk"))
    tickets = tickets.annotate(last_read_at=Subquery(last_read.values("last_read_at")[:1]))
    sort = filters.sort if filters.sort in QUEUE_SORTS else "-last_message_at"
    if sort == "due":
        # Waiting for an answer (first or next), the nearest deadline first; the rest after,
        # by activity.
        due = sla.due_expression()
        return tickets.alias(due=due).order_by(F("due").asc(nulls_last=True), "-last_message_at")
    secondary = "-last_message_at" if sort == "-priority" else "-id"
    return tickets.order_by(sort, secondary)


def _queue_matches(user: AnyUser, filters: QueueFilters) -> QuerySet[Ticket]:
    tickets = tickets_for_user(user)
    if filters.status == "active" or (not filters.status and not filters.q):
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.status in Ticket.Status.values:
        tickets = tickets.filter(status=filters.status)
    if filters.team:
        tickets = tickets.filter(team__slug=filters.team)
    assignee_id, priority = parse_int(filters.assignee), parse_int(filters.priority)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee_id=user.pk)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    if priority is not None:
        tickets = tickets.filter(priority=priority)
    if filters.q:
        tickets = tickets.filter(_search(filters.q))
    return tickets


def saved_views_for_user(user: AnyUser) -> QuerySet[SavedView]:
    """A person's own saved views, by name (nobody sees another's)."""
    return SavedView.objects.filter(owner_id=user.pk or 0).order_by("name", "id")


def saved_view_get_for_user(user: AnyUser, view_id: int | str) -> SavedView:
    pk = parse_int(str(view_id))
    view = saved_views_for_user(user).filter(pk=pk).first() if pk is not None else None
    if view is None:
        raise SavedViewNotFound(view_id)
    return view


def saved_view_count(user: AnyUser, view: SavedView) -> int:
    """How many tickets ``user``'s queue shows through ``view`` (in the teams they see now)."""
    return _queue_matches(user, queue_filters(QueryDict(view.query))).count()


def saved_views_with_counts(user: AnyUser) -> list[tuple[SavedView, int]]:
    return [(view, saved_view_count(user, view)) for view in saved_views_for_user(user)]


def mentionable_people(
    ticket: Ticket, *, q: str = "", limit: int = 8, writer: User | None = None
) -> list[User]:
    """Who an internal note on ``ticket`` may @-mention: the active people who may read it (its
    team's members, and the managers and admins who see every team), whose username, first
    or last name starts with ``q``; usernames in order. The ``writer`` of the note is left out:
    mentioning oneself notifies nobody."""
    in_team = Q(teams=ticket.team_id, groups__name__in=roles.ALL_ROLES)
    every_team = Q(groups__name__in=[roles.MANAGER, roles.ADMIN]) | Q(is_superuser=True)
    people = (
        User.objects.filter(in_team | every_team, is_active=True)
        .exclude(groups__name=roles.SERVICE_ACCOUNTS)
        .distinct()
    )
    if writer is not None:
        people = people.exclude(pk=writer.pk)
    if q := q.strip().lstrip("@"):
        people = people.filter(
            Q(username__istartswith=q) | Q(first_name__istartswith=q) | Q(last_name__istartswith=q)
        )
    return list(people.order_by("username")[:limit])


def _search(text: str) -> Q:
    text = text.strip()
    in_messages = Exists(Message.objects.filter(ticket=OuterRef("pk"), body__icontains=text))
    condition = (
        Q(subject__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(customer__email__icontains=text)
        | Q(tags__contains=[text.lower()])
        | Q(in_messages)
    )
    number = parse_int(text.lstrip("#"))
    if number is not None:
        condition |= Q(pk=number)
    # An imported ticket is found by its conversation's id in the old tool, or part of it.
    return condition | Q(import_id__icontains=text)


# The largest message sequence number (a PositiveIntegerField).
MAX_SEQ = 2**31 - 1


def parse_int(value: str, *, maximum: int = 2**62) -> int | None:
    """A plain non-negative integer that fits a bigint column, else None."""
    if not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if number <= maximum else None


def assignable_in(teams: QuerySet[Team]) -> QuerySet:
    """People who may work tickets in any of ``teams``: whom the queue's bulk assign offers
    (each ticket still checks its own team when assigned)."""
    return (
        User.objects.filter(
            teams__in=teams, is_active=True, groups__name__in=[roles.ANALYST, roles.MANAGER]
        )
        .exclude(groups__name=roles.SERVICE_ACCOUNTS)
        .distinct()
        .order_by("first_name", "username")
    )


def assignable_users(ticket: Ticket) -> QuerySet:
    """Members of the ticket's team who may work tickets (people, not service accounts)."""
    return (
        ticket.team.members.filter(is_active=True, groups__name__in=[roles.ANALYST, roles.MANAGER])
        .exclude(groups__name=roles.SERVICE_ACCOUNTS)
        .distinct()
        .order_by("first_name", "username")
    )


def macros_for_user(user: AnyUser) -> QuerySet[Macro]:
    """The macros a user may see: their own, and those of the teams whose tickets they see.
    Only people who reply have any."""
    if not roles.can_work_tickets(user):
        return Macro.objects.none()
    teams = teams_for_user(user)
    return Macro.objects.filter(Q(owner=user.pk) | Q(team__in=teams)).select_related("team")


def macros_for_ticket(user: AnyUser, ticket: Ticket, *, q: str = "") -> QuerySet[Macro]:
    """The macros offered on ``ticket`` (already loaded through the access check): the user's
    own and the ticket's team's, matching ``q`` in the name or body, names first."""
    if not roles.can_work_tickets(user):
        return Macro.objects.none()
    macros = Macro.objects.filter(Q(owner=user.pk) | Q(team=ticket.team_id))
    if q := q.strip():
        in_name = Q(name__icontains=q)
        macros = macros.filter(in_name | Q(body__icontains=q)).alias(
            named=Case(When(in_name, then=0), default=1)
        )
        return macros.select_related("team").order_by("named", "name", "id")
    return macros.select_related("team").order_by("name", "id")


def macro_get_for_user(user: AnyUser, macro_id: int | str) -> Macro:
    pk = parse_int(str(macro_id))
    macro = macros_for_user(user).filter(pk=pk).first() if pk is not None else None
    if macro is None:
        raise MacroNotFound(macro_id)
    return macro


def ticket_for_email(
    *, team: Team, sender: str, thread_ids: list[str], token: int | None
) -> Ticket | None:
    """The ticket an incoming mail continues: the one holding a mail it answers (In-Reply-To,
    References; in whichever team the ticket is now, as it may have moved since), or else the
    team's ticket its subject's ``[#id]`` names, when the sender is that ticket's customer (a
    number alone is easy to guess). None: a new conversation."""
    if thread_ids:
        known = (
            MessageEmail.objects.filter(rfc_message_id__in=thread_ids)
            .select_related("message__ticket")
            .order_by("-created_at")
            .first()
        )
        if known is not None:
            return known.message.ticket
    if token is not None:
        return Ticket.objects.filter(
            pk=token, team=team, customer__email=sender, import_id__isnull=True
        ).first()
    return None


def message_email_by_id(rfc_message_id: str) -> MessageEmail | None:
    return (
        MessageEmail.objects.select_related("message__ticket")
        .filter(rfc_message_id=rfc_message_id)
        .first()
    )
