"""Status updates composed from the ticket's own timeline, without an LLM.

Written the way an analyst would: what happened so far, what happens next, and when the
customer hears from us again (the team's update interval).
"""

import datetime as dt

from django.utils import timezone
from django.utils.timesince import timesince

from copilot.models import TeamCopilotSettings
from tickets.models import Message, Ticket

NEXT = {
    Ticket.Status.NEW: "It is in our queue and the next free analyst picks it up.",
    Ticket.Status.OPEN: "{who} working on it now.",
    Ticket.Status.WAITING: "We are waiting for the details we asked you for; as soon as you "
    "send them, we carry on.",
    Ticket.Status.RESOLVED: "We consider it resolved; if something is still wrong, reply here "
    "and we pick it up again.",
    Ticket.Status.CLOSED: "It is closed; reply here if you need more help.",
}


def compose_status_update(ticket: Ticket, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    last_reply = (
        ticket.messages.filter(kind=Message.Kind.ANALYST, internal=False)
        .order_by("-created_at")
        .first()
    )
    if last_reply is not None:
        happened = f"we last wrote to you {timesince(last_reply.created_at, now)} ago"
    else:
        happened = f"you wrote to us {timesince(ticket.created_at, now)} ago"
    who = (
        f"{ticket.assignee.first_name or ticket.assignee.get_username()} is"
        if ticket.assignee is not None
        else "An analyst is"
    )
    parts = [
        f"Thanks for your patience — here is where your request #{ticket.pk} stands: {happened}.",
        NEXT.get(Ticket.Status(ticket.status), "").format(who=who),
    ]
    if ticket.status in {Ticket.Status.NEW, Ticket.Status.OPEN}:
        parts.append(
            f"You will hear from us here within {_interval(ticket)}, sooner if we have news."
        )
    return " ".join(p for p in parts if p)


def _interval(ticket: Ticket) -> str:
    settings = TeamCopilotSettings.objects.filter(team_id=ticket.team_id).first()
    minutes = (settings or TeamCopilotSettings()).update_interval_minutes
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
