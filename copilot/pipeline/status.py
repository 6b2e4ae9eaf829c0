"""Status updates composed from the ticket's own timeline, without an LLM.

Written the way an analyst would: the customer by name, the last thing that happened (our last
reply, a hand-over, a move to another team, a raised priority), what happens next, and when the
customer hears from us again: the team's update interval, or sooner when the first-response
clock of the ticket's priority runs out before it.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.timesince import timesince

from copilot.models import TeamCopilotSettings
from tickets.models import Message, Ticket, TicketEvent

Status = Ticket.Status
WORKING = {Status.NEW, Status.OPEN}
NEXT = {
    Status.NEW: "It is in our queue and the next free analyst picks it up.",
    Status.OPEN: "{who} working on it now.",
    Status.WAITING: "We are waiting for the details we asked you for; as soon as you send them, "
    "we carry on.",
    Status.RESOLVED: "We consider it resolved; if something is still wrong, reply here and we "
    "pick it up again.",
    Status.CLOSED: "It is closed; reply here if you need more help.",
}
URGENT = {Ticket.Priority.HIGH, Ticket.Priority.URGENT}


@dataclass(frozen=True)
class _Happened:
    who: str  # "Sam" or "we"
    what: str  # "last wrote to you 2 hours ago"
    at: dt.datetime


def compose_status_update(ticket: Ticket, *, now: dt.datetime | None = None) -> str:
    """A status update for the customer of ``ticket``, in the words an analyst would use."""
    now = now or timezone.now()
    happened = _what_happened(ticket, now)
    assignee = _person(ticket.assignee) if ticket.assignee else ""
    parts = [
        f"Hi {_first_name(ticket.customer.name)}, thanks for your patience.",
        f"Here is where your request about “{ticket.subject}” stands: "
        f"{happened.who} {happened.what}.",
    ]
    if ticket.status == Status.OPEN and assignee and happened.who == assignee:
        parts[-1] = parts[-1][:-1] + " and is working on it now."
    else:
        parts.append(NEXT[Status(ticket.status)].format(who=f"{assignee or 'An analyst'} is"))
    if ticket.status in WORKING:
        if ticket.priority in URGENT:
            label = Ticket.Priority(ticket.priority).label.lower()
            parts.append(f"It is marked {label}, so it comes first.")
        parts.append(
            f"You will hear from us here within {_duration(_next_update_in(ticket, now))}, "
            "sooner if we have news."
        )
    return " ".join(parts)


def _what_happened(ticket: Ticket, now: dt.datetime) -> _Happened:
    """The latest of our last public reply and the timeline's hand-overs, moves and raises."""
    found = [_Happened("you", f"wrote to us {_ago(ticket.created_at, now)}", ticket.created_at)]
    reply = (
        ticket.messages.filter(kind=Message.Kind.ANALYST, internal=False)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    if reply is not None:
        who = _person(reply.author) if reply.author else "we"
        what = f"last wrote to you {_ago(reply.created_at, now)}"
        found.append(_Happened(who, what, reply.created_at))
    kinds = [TicketEvent.Kind.ASSIGNEE, TicketEvent.Kind.TEAM, TicketEvent.Kind.PRIORITY]
    for event in ticket.events.filter(kind__in=kinds).order_by("-created_at", "-id")[:5]:
        if (happened := _from_event(event, now)) is not None:
            found.append(happened)
            break
    return max(found, key=lambda h: h.at)


def _from_event(event: TicketEvent, now: dt.datetime) -> _Happened | None:
    ago = _ago(event.created_at, now)
    if event.kind == TicketEvent.Kind.ASSIGNEE and event.new_value:
        return _Happened(_first_name(event.new_value), f"took it over {ago}", event.created_at)
    if event.kind == TicketEvent.Kind.TEAM:
        return _Happened("we", f"passed it to our {event.new_value} team {ago}", event.created_at)
    raised = {label: value for value, label in Ticket.Priority.choices}
    if raised.get(event.new_value, 0) > raised.get(event.old_value, 0):
        what = f"raised its priority to {event.new_value.lower()} {ago}"
        return _Happened("we", what, event.created_at)
    return None


def _next_update_in(ticket: Ticket, now: dt.datetime) -> dt.timedelta:
    """The team's update interval, or less when the first-response clock ends sooner."""
    team = TeamCopilotSettings.objects.filter(team_id=ticket.team_id).first()
    interval = dt.timedelta(minutes=(team or TeamCopilotSettings()).update_interval_minutes)
    hours = settings.VIGIL_SLA_FIRST_RESPONSE_HOURS.get(ticket.priority)
    if ticket.first_response_at is not None or hours is None:
        return interval
    left = ticket.created_at + dt.timedelta(hours=hours) - now
    return left if dt.timedelta(0) < left < interval else interval


def _duration(span: dt.timedelta) -> str:
    """As a person says it, rounded down: the customer hears from us no later than we say."""
    minutes = max(15, round(span.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes - minutes % 5} minutes"
    if minutes < 120:
        return "an hour and a half" if minutes >= 90 else "an hour"
    return f"{minutes // 60} hours"


def _ago(when: dt.datetime, now: dt.datetime) -> str:
    if now - when < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(when, now, depth=1)} ago".replace("\xa0", " ")


def _first_name(name: str) -> str:
    return (name or "").split(" ")[0] or "there"


def _person(user: User) -> str:
    return user.first_name or user.get_username()
