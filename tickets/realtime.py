"""Publishes ticket changes to websocket groups; consumers only forward.

Each publisher owns its `on_commit` (as Zulip's `send_event_on_commit`): called inside a
transaction it sends once that commits, and never for a rolled-back change; outside one it
sends at once. Callers never wrap it.

Staff pages listen on ``ticket.<id>`` (every message, internal notes included); the customer's
portal page listens on ``portal.<id>`` (public messages only). Queue pages listen on
``queue.team.<id>`` for each team their user sees (managers and admins: ``queue.all``), and hear
only which ticket changed: they fetch the list again through the same access checks as ever.
"""

import asyncio
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse

from tickets import selectors
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)
_pending: set[asyncio.Task[None]] = set()


def staff_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def portal_group(ticket_id: int) -> str:
    return f"portal.{ticket_id}"


def queue_group(team_id: int) -> str:
    return f"queue.team.{team_id}"


# The queues of those who see every team (a team created after they connected included).
QUEUE_ALL = "queue.all"


def message_dom_id(message: Message) -> str:
    return f"message-{message.pk}"


def publish_message(message: Message) -> None:
    if get_channel_layer() is None:
        return  # no layer (a replay, an import): nobody to render the message for
    transaction.on_commit(lambda: _publish_message(message))


def _publish_message(message: Message) -> None:
    # Both pages list the message's files: read once.
    prefetch_related_objects([message], "attachments")
    staff_html = render_to_string("tickets/partials/message.html", {"message": message})
    _send(staff_group(message.ticket_id), message, message.seq, staff_html)
    if not message.internal:
        token = selectors.portal_token_for(message.ticket)
        portal_html = render_to_string(
            "portal/partials/message.html", {"message": message, "token": token}
        )
        _send(portal_group(message.ticket_id), message, message.public_seq, portal_html)


def publish_ticket_changed(ticket_id: int) -> None:
    event = {"type": "ticket.changed", "ticket": ticket_id}
    for group in (staff_group(ticket_id), portal_group(ticket_id)):
        _send_on_commit(group, event)


def publish_queue_changed(ticket_id: int, team_id: int) -> None:
    """A ticket of ``team_id`` was created or changed (a message, a status, an assignee...), or
    left that team: its queue pages fetch their list again."""
    event = {"type": "queue.changed", "ticket": ticket_id, "team": team_id}
    for group in (queue_group(team_id), QUEUE_ALL):
        _send_on_commit(group, event)


def publish_ticket_merged(ticket_id: int, *, into: Ticket) -> None:
    """``ticket_id`` was merged into ``into``: its pages say so and lead there (staff pages to
    the console's page, the customer's to their private page of ``into``)."""
    staff_url = reverse("tickets:detail", args=[into.pk])
    portal_url = reverse("portal:ticket", args=[selectors.portal_token_for(into)])
    for group, url in ((staff_group(ticket_id), staff_url), (portal_group(ticket_id), portal_url)):
        _send_on_commit(group, {"type": "ticket.merged", "into": into.pk, "url": url})
    # The target's pages fetch the messages that moved in (numbered after those they hold).
    for group in (staff_group(into.pk), portal_group(into.pk)):
        _send_on_commit(group, {"type": "ticket.refetch", "ticket": into.pk})


def publish_copilot_changed(ticket_id: int) -> None:
    """The copilot panel of this ticket changed: staff pages refresh it (never the portal)."""
    _send_on_commit(staff_group(ticket_id), {"type": "copilot.changed", "ticket": ticket_id})


def publish_copilot_piece(ticket_id: int, suggestion_id: int, text: str) -> None:
    """A piece of an answer the copilot is writing, for the staff pages to append.

    Sent at once: a piece is not stored data, and it is written outside any transaction."""
    event = {"type": "copilot.piece", "suggestion": suggestion_id, "text": text}
    _group_send(staff_group(ticket_id), event)


def _send(group: str, message: Message, seq: int | None, html: str) -> None:
    # ``seq`` numbers the messages this group sees, so a page can tell that it missed one.
    event: dict[str, object] = {
        "type": "ticket.message",
        "id": message_dom_id(message),
        "seq": seq,
        "html": html,
    }
    _group_send(group, event)


def _send_on_commit(group: str, event: dict[str, object]) -> None:
    transaction.on_commit(lambda: _group_send(group, event))


def _group_send(group: str, event: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # When it was published (after its commit): a consumer whose last access check began
    # later need not check again for it (see consumers.TicketConsumer).
    event = {**event, "published_at": time.time()}
    # A broken channel layer must never lose a saved message: the page catches up on reload.
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is None:
            async_to_sync(layer.group_send)(group, event)
        else:
            # Called from synchronous code that runs inside an event loop: cannot block here.
            task = loop.create_task(layer.group_send(group, event))
            _pending.add(task)
            task.add_done_callback(_pending.discard)
    except Exception:
        logger.exception("could not publish %s to %s", event.get("type"), group)


def user_group(user_id: int) -> str:
    """Every open console page of one user: their notifications' unread count."""
    return f"notifications.{user_id}"


def publish_notifications_changed(user_id: int) -> None:
    """The user's notifications changed (a new one, or some read): each of their pages asks
    for the unread count again. The event carries no ticket, so it needs no access check."""
    _send_on_commit(user_group(user_id), {"type": "notifications.changed"})
