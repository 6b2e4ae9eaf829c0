"""Websocket consumers: authorise with the same selectors as the views, join, forward."""

import asyncio
import re
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core import roles
from tickets import (
    notification_selectors,
    presence,
    realtime,
    selectors,
    socket_access,
)

# Application close codes (4000-4999): the client stops retrying on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
SESSION_KEY_RE = re.compile(r"[a-z0-9]{8,64}")


def _ticket_id(text: str) -> int:
    """The route's ticket id, or 0 (no ticket: refused once the session is known) for text
    that is not one; out-of-range numbers never reach a round's query shared with others."""
    try:
        number = int(text)
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0


def _session_key(text: str) -> str:
    """The cookie's session key, or "" for text no session key looks like (a NUL byte, say,
    would fail the round's query for every socket in it)."""
    return text if SESSION_KEY_RE.fullmatch(text) else ""


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
    # Presence: whether this page said it is here, whether it is typing, when it last said so,
    # what it last told its page, and the task that forgets the silent.
    present = False
    typing = False
    said_at = 0.0
    told: list[dict[str, object]] | None = None
    expiring: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        """Who is connecting, and whether they may read the ticket, is asked of the session in
        the process's rounds of access checks (``socket_access.visitor``) with the session cookie's
        key: that round reads the session and its user."""
        session_key = _session_key(self.scope["cookies"].get(settings.SESSION_COOKIE_NAME, ""))
        ticket_id = _ticket_id(self.scope["url_route"]["kwargs"]["ticket_id"])
        began = time.time()
        found = await socket_access.visitor(session_key, ticket_id) if session_key else None
        if found is None or found.user_id is None:
            unknown = found is not None or not session_key
            await self._refuse(CLOSE_UNAUTHENTICATED if unknown else CLOSE_FORBIDDEN)
            return
        self.name, self.may_type = found.name, found.may_reply
        self.checked_at = began
        self.ticket_pk, self.session_key = ticket_id, session_key
        self.user_id = found.user_id
        self.roster = presence.Roster(me=found.user_id, ttl=float(settings.VIGIL_PRESENCE_SECONDS))
        await self._join(realtime.staff_group(ticket_id))

    async def disconnect(self, code: int) -> None:
        if self.expiring is not None:
            self.expiring.cancel()
        if self.present:
            await self._say("presence.left")
        await super().disconnect(code)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """A page says it is here (on open, then now and then) and whether its analyst is
        typing a reply. Anything else is ignored; a page that repeats itself within a second
        without news is not passed on."""
        if not isinstance(content, dict) or content.get("type") != "presence" or self.closed:
            return
        typing = content.get("typing") is True and self.may_type
        now = time.time()
        if self.present and typing == self.typing and now - self.said_at < 1:
            return
        self.present, self.typing, self.said_at = True, typing, now
        if self.expiring is None:
            self.expiring = asyncio.get_running_loop().create_task(self._expire())
        await self._say("presence.update")

    async def presence_update(self, event: dict[str, Any]) -> None:
        if event["channel"] == self.channel_name or not await self._still_allowed(event):
            return
        new = self._saw(event)
        if new and self.present:
            # The newcomer learns who was here before it from each of them.
            await self.channel_layer.send(event["channel"], self._word("presence.here"))
        await self._tell()

    async def presence_here(self, event: dict[str, Any]) -> None:
        if await self._still_allowed(event):
            self._saw(event)
            await self._tell()

    async def presence_left(self, event: dict[str, Any]) -> None:
        self.roster.left(event["channel"])
        await self._tell()

    def _saw(self, event: dict[str, Any]) -> bool:
        return self.roster.saw(
            event["channel"],
            user_id=event["user"],
            name=event["name"],
            typing=event["typing"],
            now=time.time(),
        )

    def _word(self, kind: str) -> dict[str, object]:
        return {
            "type": kind,
            "channel": self.channel_name,
            "user": self.user_id,
            "name": self.name,
            "typing": self.typing,
            "published_at": time.time(),
        }

    async def _say(self, kind: str) -> None:
        await self.channel_layer.group_send(self.group, self._word(kind))

    async def _tell(self) -> None:
        """Send the page who else is here, when that changed since it was last told."""
        self.roster.prune(time.time())
        people = [person.as_json() for person in self.roster.people()]
        if people != self.told and not self.closed:
            self.told = people
            await self.send_json({"type": "presence", "people": people})

    async def _expire(self) -> None:
        while not self.closed:
            await asyncio.sleep(min(self.roster.ttl, presence.TYPING_SECONDS) / 4)
            await self._tell()

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


class QueueConsumer(_ForwardingConsumer):
    """A queue page: told which ticket of the teams its user sees changed, nothing more."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        began = time.time()
        groups = await self._groups(user)
        if groups is None:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        self.session_key = self.scope["session"].session_key
        self.groups_joined = groups
        # When the last check that passed began, per team.
        self.checked_at: dict[int, float] = {}
        self.connected_at = began
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def queue_changed(self, event: dict[str, Any]) -> None:
        """Passed on while the user still sees the ticket's team (checked again for events
        published after the last check began, as on a ticket's socket)."""
        team = event["team"]
        published = event.get("published_at")
        checked = self.checked_at.get(team, self.connected_at)
        if not (isinstance(published, float) and published < checked):
            allowed, began = await socket_access.still_sees_team(self.session_key, team)
            if not allowed:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            self.checked_at[team] = max(checked, began)
        if not self.closed:
            await self.send_json({"type": "queue", "ticket": event["ticket"]})

    @database_sync_to_async
    def _groups(self, user: Any) -> list[str] | None:
        if not roles.can_view_tickets(user):
            return None
        if roles.sees_all_teams(user):
            return [realtime.QUEUE_ALL]
        teams = selectors.teams_for_user(user).values_list("pk", flat=True)
        return [realtime.queue_group(pk) for pk in teams]


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
