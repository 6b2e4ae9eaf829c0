"""The first-response clock: when a ticket's first public answer is due, by its priority
(``VIGIL_SLA_FIRST_RESPONSE_HOURS``), and how that looks to an analyst now.

The queue sorts by the deadline in the database (``deadline_expression``); the queue's rows and
the ticket's header show the clock (``clock``). The Support dashboard counts breaches with the
same deadline. A copilot status update is not a first response (only an analyst's public reply
sets ``first_response_at``).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from tickets.models import Ticket

# Under this share of its window left, a clock reads "due soon".
SOON_SHARE = 0.25


def sla_hours() -> dict[int, int]:
    return dict(settings.VIGIL_SLA_FIRST_RESPONSE_HOURS)


def deadline_expression() -> Case:
    """When the first response is due, as a database expression over the ticket's priority."""
    sla = sla_hours()
    return Case(
        *[
            When(priority=priority, then=F("created_at") + Value(dt.timedelta(hours=h)))
            for priority, h in sla.items()
        ],
        default=F("created_at") + Value(dt.timedelta(hours=max(sla.values()))),
        output_field=DateTimeField(),
    )


@dataclass(frozen=True)
class Clock:
    state: str  # "ok", "soon", "late" or "met", "missed" once answered, "" when not running
    text: str
    due: dt.datetime | None = None


def clock(ticket: Ticket, now: dt.datetime | None = None) -> Clock:
    """The first-response clock of ``ticket`` as of ``now``."""
    now = now or timezone.now()
    sla = sla_hours()
    hours = sla.get(ticket.priority, max(sla.values()))
    due = ticket.created_at + dt.timedelta(hours=hours)
    if ticket.first_response_at is not None:
        late = ticket.first_response_at > due
        return Clock("missed" if late else "met", "answered late" if late else "answered", due)
    if ticket.is_finished or ticket.is_imported:
        return Clock("", "", due)
    left = due - now
    if left <= dt.timedelta(0):
        return Clock("late", f"overdue {_span(-left)}", due)
    soon = left <= dt.timedelta(hours=hours) * SOON_SHARE
    return Clock("soon" if soon else "ok", f"due in {_span(left)}", due)


def _span(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d}" if hours < 10 else f"{hours} h"
    return f"{hours // 24} d"
