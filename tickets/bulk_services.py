"""One change made to several tickets from the queue, each through the ticket services (so each
ticket's timeline, live events and webhooks see it as if it had been made on its page).

Each ticket is changed on its own: one the user may not see, or that cannot take the change,
is refused and named in the result with the reason, and the others are still changed."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import roles
from tickets import access, services
from tickets.models import Team, Ticket

MAX_TICKETS = 200


@dataclass(frozen=True)
class BulkChange:
    """What to do: ``action`` is one of ACTIONS; the value its own field."""

    action: str
    assignee: User | None = None
    status: str = ""
    priority: int = 0
    tags: tuple[str, ...] = ()
    team: Team | None = None


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = []
        if self.changed:
            parts.append(f"Changed {_numbers(self.changed)}.")
        if self.unchanged:
            parts.append(f"Already so: {_numbers(self.unchanged)}.")
        if self.refused:
            reasons = "; ".join(f"#{pk}: {reason}" for pk, reason in self.refused)
            parts.append(f"Not changed: {reasons}")
        return " ".join(parts) or "Nothing to change."


def _numbers(ids: list[int]) -> str:
    return ", ".join(f"#{pk}" for pk in ids)


def _assign(ticket: Ticket, actor: User, change: BulkChange) -> None:
    services.ticket_assign(ticket=ticket, actor=actor, assignee=change.assignee)


def _status(ticket: Ticket, actor: User, change: BulkChange) -> None:
    services.ticket_change_status(ticket=ticket, actor=actor, status=change.status)


def _priority(ticket: Ticket, actor: User, change: BulkChange) -> None:
    services.ticket_set_priority(ticket=ticket, actor=actor, priority=change.priority)


def _add_tags(ticket: Ticket, actor: User, change: BulkChange) -> None:
    tags = ticket.tags + [t for t in change.tags if t not in ticket.tags]
    services.ticket_set_tags(ticket=ticket, actor=actor, tags=tags)


def _remove_tags(ticket: Ticket, actor: User, change: BulkChange) -> None:
    tags = [t for t in ticket.tags if t not in change.tags]
    services.ticket_set_tags(ticket=ticket, actor=actor, tags=tags)


def _move(ticket: Ticket, actor: User, change: BulkChange) -> None:
    if change.team is None:
        raise services.TicketError("No team was chosen.")
    services.ticket_move(ticket=ticket, actor=actor, team=change.team)


ACTIONS: dict[str, Callable[[Ticket, User, BulkChange], None]] = {
    "assign": _assign,
    "status": _status,
    "priority": _priority,
    "add_tags": _add_tags,
    "remove_tags": _remove_tags,
    "team": _move,
}


def tickets_bulk_change(
    *, actor: User, ticket_ids: Iterable[int], change: BulkChange
) -> BulkResult:
    """Make ``change`` on each ticket ``actor`` may work; name the others with the reason.

    Raises PermissionDenied when the actor's role cannot change tickets at all."""
    if not roles.can_work_tickets(actor):
        raise PermissionDenied("Your role can read tickets but not change them.")
    apply = ACTIONS[change.action]
    result = BulkResult()
    for pk in dict.fromkeys(ticket_ids):
        try:
            ticket = access.get_ticket_to_work(actor, pk)
        except Http404:
            result.refused.append((pk, f"there is no ticket #{pk} in your teams"))
            continue
        before = ticket.updated_at
        try:
            apply(ticket, actor, change)
        except services.TicketError as exc:
            result.refused.append((pk, str(exc)))
            continue
        (result.changed if ticket.updated_at != before else result.unchanged).append(pk)
    return result
