"""Websocket consumers: authorise with the same selectors as the views, join, forward."""

import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from core import roles
from tickets import access, notification_selectors, realtime, selectors, socket_access

# Application close codes (4000-4999): the client stops retrying on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class _ForwardingConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    closed = False

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self.closed = True
        await super().close(code=code, reason=reason)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own, without the ``close_old_connections`` it runs before every message: a
        hop onto its single thread for database work, per socket and per event, that queued
        events behind one another under load. These consumers touch the database only in
        ``database_sync_to_async`` calls, which close old connections themselves."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ticket_message(self, event: dict[str, Any]) -> None:
        message = {"type": "message", "id": event["id"], "seq": event["seq"]}
        await self.send_json({**message, "html": event["html"]})

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "changed"})

    async def ticket_merged(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "merged", "into": event["into"], "url": event["url"]})

    async def ticket_refetch(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "refetch"})

    async def _refuse(self, code: int) -> None:
        """Accept, then close with ``code``. A handshake refused before accepting reaches the
        browser as a bare HTTP 403 (close code 1006): it could not tell why, and would retry."""
        await self.accept()
        await self.close(code=code)

    async def _join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()


class TicketConsumer(_ForwardingConsumer):
    # When the last access check that passed began (time.time()).
    checked_at = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        self.ticket_id = self.scope["url_route"]["kwargs"]["ticket_id"]
        began = time.time()
        ticket_pk = await self._ticket_pk(user)
        if ticket_pk is None:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        self.checked_at = began
        self.ticket_pk, self.session_key = ticket_pk, self.scope["session"].session_key
        await self._join(realtime.staff_group(ticket_pk))

    async def ticket_message(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_message(event)

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_changed(event)

    async def ticket_merged(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_merged(event)

    async def ticket_refetch(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_refetch(event)

    async def copilot_changed(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await self.send_json({"type": "copilot"})

    async def copilot_piece(self, event: dict[str, Any]) -> None:
        # Pieces follow a "copilot" event that checked access; checking each token again
        # would cost a query per word. Losing access mid-answer stops at the next event.
        if not self.closed:
            await self.send_json(
                {"type": "piece", "suggestion": event["suggestion"], "text": event["text"]}
            )

    async def _still_allowed(self, event: dict[str, Any]) -> bool:
        """Access is checked again for every event published after the last check began: a
        ticket moved to another team, a user removed from a team, logged out or deactivated
        receives nothing published after that change committed.

        Events published before the last check began are covered by it: under a burst, one
        check serves every event that queued up while it ran (the publisher stamps
        ``published_at``; processes on one machine share a clock). The checks of all the
        process's sockets are answered together (``socket_access``).
        """
        published = event.get("published_at")
        if isinstance(published, float) and published < self.checked_at:
            return True
        allowed, began = await socket_access.still_allowed(self.session_key, self.ticket_pk)
        if allowed:
            self.checked_at = max(self.checked_at, began)
            return True
        await self.close(code=CLOSE_FORBIDDEN)
        return False

    @database_sync_to_async
    def _ticket_pk(self, user: Any) -> int | None:
        try:
            return access.get_ticket_for_user(user, self.ticket_id).pk
        except Http404:
            return None


class PortalConsumer(_ForwardingConsumer):
    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        ticket_pk = await self._ticket_pk(token)
        if ticket_pk is None:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        await self._join(realtime.portal_group(ticket_pk))

    @database_sync_to_async
    def _ticket_pk(self, token: str) -> int | None:
        try:
            return selectors.ticket_get_for_portal(token).pk
        except selectors.PortalLinkInvalid:
            return None


class NotificationConsumer(_ForwardingConsumer):
    """The unread count of the logged-in user's notifications, on connect and whenever it
    changes. The count is read afresh for each event, through the same scoped selector as the
    pages, from the session as it is now: a logged-out session stops the stream."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        self.user_id, self.session_key = user.pk, self.scope["session"].session_key
        unread = await self._unread()
        if unread is None:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        await self._join(realtime.user_group(user.pk))
        await self.send_json({"type": "count", "unread": unread})

    async def notifications_changed(self, event: dict[str, Any]) -> None:
        unread = await self._unread()
        if unread is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json({"type": "count", "unread": unread})

    @database_sync_to_async
    def _unread(self) -> int | None:
        """The unread count, or None when the session no longer belongs to a user with a role
        (logged out, deactivated, role taken away)."""
        user = socket_access.session_user(self.session_key)
        if user.pk != self.user_id or not roles.can_view_tickets(user):
            return None
        return notification_selectors.unread_count(user)
