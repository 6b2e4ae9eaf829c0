"""The response clocks: when a ticket's first public answer is due, by its priority
(``VIGIL_SLA_FIRST_RESPONSE_HOURS``), then, once answered, when the next one is due after the
customer writes again (``VIGIL_SLA_NEXT_RESPONSE_HOURS``, from ``awaiting_reply_since``), and
how that looks to an analyst now.

The queue sorts by the deadline in the database (``due_expression``); the queue's rows and the
ticket's header show the clock (``clock``). The Support dashboard counts first-response breaches
(``deadline_expression``) and late next replies (``next_due_expression``, over each reply's
``Message.waited_since``). A copilot status update is not a response (only an analyst's public
reply sets ``first_response_at`` and stops the next-response clock). While the ticket waits on
the customer, or is resolved or closed, no clock runs.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone

from tickets.models import Ticket

# Under this share of its window left, a clock reads "due soon".
SOON_SHARE = 0.25
# No clock runs on these.
NO_CLOCK = [Ticket.Status.RESOLVED, Ticket.Status.CLOSED]
WAITING = Ticket.Status.WAITING  # on the customer: no next-response clock


def sla_hours() -> dict[int, int]:
    return dict(settings.VIGIL_SLA_FIRST_RESPONSE_HOURS)


def next_hours() -> dict[int, int]:
    return dict(settings.VIGIL_SLA_NEXT_RESPONSE_HOURS)


def _by_priority(start: str, hours: dict[int, int], priority_field: str = "priority") -> Case:
    return Case(
        *[
            When(**{priority_field: priority}, then=F(start) + Value(dt.timedelta(hours=h)))
            for priority, h in hours.items()
        ],
        default=F(start) + Value(dt.timedelta(hours=max(hours.values()))),
        output_field=DateTimeField(),
    )


def deadline_expression() -> Case:
    """When the first response is due, as a database expression over the ticket's priority."""
    return _by_priority("created_at", sla_hours())


def next_due_expression(start: str, priority_field: str = "priority") -> Case:
    """When a reply to a customer who waits since ``start`` is due (the next-response target
    of the ticket's priority, at ``priority_field``), as a database expression."""
    return _by_priority(start, next_hours(), priority_field)


def next_clock_runs() -> Q:
    """The tickets whose next-response clock runs: answered once, their customer waiting for
    a reply since ``awaiting_reply_since``, neither waiting on the customer nor finished."""
    return Q(first_response_at__isnull=False, awaiting_reply_since__isnull=False) & ~Q(
        status__in=[*NO_CLOCK, WAITING]
    )


def due_expression() -> Case:
    """When the running clock (first or next response) is due; null when none runs."""
    return Case(
        When(
            Q(first_response_at__isnull=True) & ~Q(status__in=NO_CLOCK),
            then=deadline_expression(),
        ),
        When(next_clock_runs(), then=next_due_expression("awaiting_reply_since")),
        output_field=DateTimeField(),
    )


@dataclass(frozen=True)
class Clock:
    state: str  # "ok", "soon", "late" or "met", "missed" once answered, "" when not running
    text: str
    due: dt.datetime | None = None
    next_response: bool = False  # the clock of a reply after the first response


def clock(ticket: Ticket, now: dt.datetime | None = None) -> Clock:
    """The response clock of ``ticket`` as of ``now``: the first response's until it is given,
    then the next response's whenever the customer waits for one."""
    now = now or timezone.now()
    sla = sla_hours()
    hours = sla.get(ticket.priority, max(sla.values()))
    due = ticket.created_at + dt.timedelta(hours=hours)
    if ticket.is_finished or ticket.is_imported:
        return Clock("", "", due)
    if ticket.first_response_at is None:
        return _running(due, hours, now)
    since = ticket.awaiting_reply_since
    if since is not None and ticket.status != WAITING:
        nxt = next_hours()
        hours = nxt.get(ticket.priority, max(nxt.values()))
        return _running(since + dt.timedelta(hours=hours), hours, now, what="reply ")
    late = ticket.first_response_at > due
    return Clock("missed" if late else "met", "answered late" if late else "answered", due)


def _running(due: dt.datetime, hours: int, now: dt.datetime, what: str = "") -> Clock:
    left = due - now
    if left <= dt.timedelta(0):
        return Clock("late", f"{what}overdue {_span(-left)}", due, bool(what))
    soon = left <= dt.timedelta(hours=hours) * SOON_SHARE
    return Clock("soon" if soon else "ok", f"{what}due in {_span(left)}", due, bool(what))


def _span(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d}" if hours < 10 else f"{hours} h"
    return f"{hours // 24} d"
