"""Websocket consumers: authorise with the same selectors as the views, join, forward."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets import realtime, selectors

# Application close codes (4000-4999): the client stops retrying on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class _ForwardingConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ticket_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "id": event["id"], "html": event["html"]})

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "changed"})

    async def _join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()


class TicketConsumer(_ForwardingConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        ticket_id = self.scope["url_route"]["kwargs"]["ticket_id"]
        ticket_pk = await self._ticket_pk(user, ticket_id)
        if ticket_pk is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join(realtime.staff_group(ticket_pk))

    @database_sync_to_async
    def _ticket_pk(self, user: Any, ticket_id: str) -> int | None:
        try:
            return selectors.ticket_get_for_user(user, ticket_id).pk
        except selectors.TicketNotFound:
            return None


class PortalConsumer(_ForwardingConsumer):
    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        ticket_pk = await self._ticket_pk(token)
        if ticket_pk is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join(realtime.portal_group(ticket_pk))

    @database_sync_to_async
    def _ticket_pk(self, token: str) -> int | None:
        try:
            return selectors.ticket_get_for_portal(token).pk
        except selectors.PortalLinkInvalid:
            return None
