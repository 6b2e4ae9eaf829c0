"""Websocket consumers: authorise with the same selectors as the views, join, forward."""

import time
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.http import Http404

from tickets import access, realtime, selectors

# Application close codes (4000-4999): the client stops retrying on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class _ForwardingConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    closed = False

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self.closed = True
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ticket_message(self, event: dict[str, Any]) -> None:
        message = {"type": "message", "id": event["id"], "seq": event["seq"]}
        await self.send_json({**message, "html": event["html"]})

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "changed"})

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
        await self._join(realtime.staff_group(ticket_pk))

    async def ticket_message(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_message(event)

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            await super().ticket_changed(event)

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
        check serves every event that queued up while it ran, instead of four queries per
        event (the publisher stamps ``published_at``; processes on one machine share a clock).
        """
        published = event.get("published_at")
        if isinstance(published, float) and published < self.checked_at:
            return True
        began = time.time()
        if await database_sync_to_async(self._allowed_now)():
            self.checked_at = began
            return True
        await self.close(code=CLOSE_FORBIDDEN)
        return False

    def _allowed_now(self) -> bool:
        # A fresh read of the session, not the copy cached on the scope at connect.
        store = import_module(settings.SESSION_ENGINE).SessionStore
        session = store(self.scope["session"].session_key)
        user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
        return user.is_authenticated and self._ticket_pk_sync(user) is not None

    @database_sync_to_async
    def _ticket_pk(self, user: Any) -> int | None:
        return self._ticket_pk_sync(user)

    def _ticket_pk_sync(self, user: Any) -> int | None:
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
