"""Status updates composed from the ticket's own timeline, without an LLM."""

import datetime as dt

from django.utils import timezone
from django.utils.timesince import timesince

from tickets.models import Message, Ticket

PHRASES = {
    Ticket.Status.NEW: "Your request is in our queue and an analyst will pick it up shortly.",
    Ticket.Status.OPEN: "An analyst is working on your request.",
    Ticket.Status.WAITING: "We are waiting for the information we asked you for in our last "
    "reply; as soon as you send it, we continue.",
    Ticket.Status.RESOLVED: "We consider this resolved. If something is still wrong, reply "
    "here and we reopen it.",
    Ticket.Status.CLOSED: "This request is closed. Reply here if you need more help.",
}


def compose_status_update(ticket: Ticket, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    last_reply = (
        ticket.messages.filter(kind=Message.Kind.ANALYST, internal=False)
        .order_by("-created_at")
        .first()
    )
    parts = [f"Status of ticket #{ticket.pk}: {ticket.get_status_display().lower()}."]
    parts.append(PHRASES.get(Ticket.Status(ticket.status), ""))
    if last_reply is not None:
        parts.append(f"Our last reply was {timesince(last_reply.created_at, now)} ago.")
    else:
        parts.append(f"You opened it {timesince(ticket.created_at, now)} ago.")
    return " ".join(p for p in parts if p)
