"""Access re-checks of the staff websockets of one process, answered together in rounds.

A staff socket checks access again before it forwards an event published after its last check
began (see ``consumers.TicketConsumer``). Checked one socket at a time, each check read the
session, the user, their roles and the ticket: under a burst, fifty sockets asked four queries
each, all on channels' one thread for database work, and events waited seconds behind them
(docs/benchmarks.md, "Live updates under load"). Here every socket that asks joins the next
round; a round reads all its sessions in one query, their users in a second and their roles in a
third, asks which of their tickets are still readable in one or two more (the rule of the access
selector every view uses), and answers all of them. Rounds run one after another while sockets
are asking, at most one every ``VIGIL_SOCKET_CHECK_INTERVAL`` seconds: back to back, under a
steady stream of events, they kept channels' database thread busy and took a third of the web
process's interpreter.

A ticket socket's first check, when it connects, is asked the same way (``visitor``): a web
process restarted under a thousand open pages used to take each reconnecting page's session,
user and ticket check as hops of their own on that one thread, a thousand in a queue, past the
handshake timeout.

A round answers only the sockets that asked before it began, and says when it began: a socket
may then forward every event published before that moment, and nothing published after access
was lost passes.
"""

import asyncio
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any, cast

from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore as DBSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core import roles
from tickets import access, services

Key = tuple[str, int]  # (session key, ticket id; for a queue's socket, team id)
# What a round says of a key (absent: refused), and when the round began (time.time()).
Answer = tuple[Any, float]
Check = Callable[[list[Key]], Awaitable[Mapping[Key, Any] | set[Key]]]
ByUser = Callable[[Mapping[User, set[int]]], dict[int, set[int]]]
DB_SESSIONS = "django.contrib.sessions.backends.db"


@dataclass(frozen=True)
class Visitor:
    """Who a ticket's socket belongs to, as its connect check found them."""

    user_id: int | None  # None: the session is not logged in (refused as unauthenticated)
    name: str = ""
    may_reply: bool = False


def readable(keys: Iterable[Key]) -> set[Key]:
    """The (session, ticket) pairs whose session is still logged in as a user who may read the
    ticket. Five queries at most, however many sessions and tickets are asked about."""
    return _allowed(keys, access.readable_ticket_ids_by_user)


def visible_teams(keys: Iterable[Key]) -> set[Key]:
    """The (session, team) pairs whose session is still logged in as a user who sees the
    team's tickets (what a queue's socket asks before it passes on a team's event)."""
    return _allowed(keys, access.visible_team_ids_by_user)


def visitors(keys: Iterable[Key]) -> dict[Key, Visitor]:
    """A ticket socket's connect check, many at once: for each (session, ticket) pair, who the
    session's user is when they may read the ticket, ``Visitor(None)`` when the session is not
    logged in, nothing when the ticket is not theirs to read (or does not exist)."""
    found: dict[Key, Visitor] = {}
    ids_of, users, allowed = _checked(keys, access.readable_ticket_ids_by_user)
    for session_key, ids in ids_of.items():
        user = users.get(session_key)
        if user is None:
            found.update(((session_key, pk), Visitor(None)) for pk in ids)
            continue
        visitor = Visitor(user.pk, services.display_name(user), roles.can_work_tickets(user))
        found.update(((session_key, pk), visitor) for pk in allowed[session_key])
    return found


def _allowed(keys: Iterable[Key], allowed_ids: ByUser) -> set[Key]:
    _, _, allowed = _checked(keys, allowed_ids)
    return {(session_key, pk) for session_key, ids in allowed.items() for pk in ids}


def _checked(
    keys: Iterable[Key], allowed_ids: ByUser
) -> tuple[dict[str, set[int]], dict[str, User], dict[str, set[int]]]:
    """A round's answer: the ids asked per session, the logged-in user of each session that has
    one, and per such session the asked ids its user may have."""
    ids_of = _ids_by_session(keys)
    users = _logged_in(ids_of)
    asked: dict[User, set[int]] = {}
    for session_key, user in users.items():
        asked.setdefault(user, set()).update(ids_of[session_key])
    allowed_of = allowed_ids(asked)
    allowed = {key: ids_of[key] & allowed_of[user.pk] for key, user in users.items()}
    return ids_of, users, allowed


def _ids_by_session(keys: Iterable[Key]) -> dict[str, set[int]]:
    ids_of: dict[str, set[int]] = {}
    for session_key, object_id in keys:
        ids_of.setdefault(session_key, set()).add(object_id)
    return ids_of


def _logged_in(ids_of: Mapping[str, object]) -> dict[str, User]:
    """The logged-in users of these sessions (session key → user), their roles read."""
    users = {key: user for key, user in session_users(ids_of).items() if isinstance(user, User)}
    roles.remember_roles(users.values())
    return users


def session_user(session_key: str) -> User | AnonymousUser:
    """The user the session is logged in as now: a fresh read of the session, not a copy
    cached on a socket's scope at connect."""
    return session_users([session_key])[session_key]


def session_users(session_keys: Iterable[str]) -> dict[str, User | AnonymousUser]:
    """The user each session is logged in as now, read afresh: what ``auth.get_user`` decides
    for a request carrying that session, two queries for all of them (the sessions, their users)
    with the database session engine, session by session with another. Nothing is written: a
    session whose password hash no longer holds reads as anonymous here, and the next request
    made with it flushes it as usual."""
    keys = set(session_keys)
    if settings.SESSION_ENGINE != DB_SESSIONS:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        return {
            key: cast(User | AnonymousUser, auth.get_user(SimpleNamespace(session=store(key))))  # type: ignore[arg-type]
            for key in keys
        }
    decode = DBSessionStore().decode
    claims: dict[str, tuple[Any, str, str | None]] = {}
    for row in Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()):
        data = decode(row.session_data)
        backend_path = data.get(auth.BACKEND_SESSION_KEY)
        if auth.SESSION_KEY in data and backend_path in settings.AUTHENTICATION_BACKENDS:
            user_id = User._meta.pk.to_python(data[auth.SESSION_KEY])
            claims[row.session_key] = (user_id, backend_path, data.get(auth.HASH_SESSION_KEY))
    users = User.objects.in_bulk({user_id for user_id, _, _ in claims.values()})
    found: dict[str, User | AnonymousUser] = {key: AnonymousUser() for key in keys}
    for key, (user_id, backend_path, session_hash) in claims.items():
        user = users.get(user_id)
        if user is not None and _accepted(user, backend_path, session_hash):
            found[key] = user
    return found


def _accepted(user: User, backend_path: str, session_hash: str | None) -> bool:
    """Whether ``auth.get_user`` would return ``user`` for a session naming this backend and
    carrying this hash (the current secret or a fallback one)."""
    backend = auth.load_backend(backend_path)
    if isinstance(backend, ModelBackend):
        if not backend.user_can_authenticate(user):
            return False
    elif getattr(backend.get_user(user.pk), "pk", None) != user.pk:
        return False
    if not session_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)


# On channels' thread for database work, as every database hop of a consumer: one round at a time
# leaves it free for the sockets' connect checks between rounds. (On a thread of the event
# loop's own pool, a round's connection outlived its thread.)
_readable_in_thread: Check = DatabaseSyncToAsync(readable)
_visible_teams_in_thread: Check = DatabaseSyncToAsync(visible_teams)
_visitors_in_thread: Check = DatabaseSyncToAsync(visitors)


class AccessRounds:
    def __init__(self, check: Check = _readable_in_thread, interval: float | None = None) -> None:
        self._check = check
        # A round begins at most this often (seconds): under a steady stream of events, rounds
        # run at this pace instead of back to back, and each one serves every event of the pause.
        self._interval = settings.VIGIL_SOCKET_CHECK_INTERVAL if interval is None else interval
        self._last_began = -math.inf  # time.monotonic()
        self._waiting: dict[Key, list[asyncio.Future[Answer]]] = {}
        self._runner: asyncio.Task[None] | None = None

    async def ask(self, session_key: str, ticket_id: int) -> Answer:
        """What the check says of the session and the ticket (None: refused), and when the
        check began."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Answer] = loop.create_future()
        self._waiting.setdefault((session_key, ticket_id), []).append(answer)
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        return await answer

    async def _run(self) -> None:
        while self._waiting:
            pause = self._last_began + self._interval - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            # Taken with no await in between: everyone in this round asked before it began.
            asked, self._waiting = self._waiting, {}
            self._last_began = time.monotonic()
            began = time.time()
            try:
                allowed = await self._check(list(asked))
            except Exception as exc:
                _answer_all(asked, exc)
                continue
            for key, answers in asked.items():
                for answer in answers:
                    if not answer.done():  # a socket that went away meanwhile
                        answer.set_result((_said(allowed, key), began))
        # Nobody is waiting (no await since the check above): the next ask starts a new runner.
        # Dropping this one lets a closed event loop (tests start many) be collected.
        self._runner = None


def _said(allowed: Mapping[Key, Any] | set[Key], key: Key) -> Any:
    if isinstance(allowed, Mapping):
        return allowed.get(key)
    return True if key in allowed else None


def _answer_all(asked: dict[Key, list[asyncio.Future[Answer]]], exc: Exception) -> None:
    for answers in asked.values():
        for answer in answers:
            if not answer.done():
                answer.set_exception(exc)


# One set of rounds per event loop and kind of check (daphne runs one loop; tests may start
# several).
_rounds: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Check, AccessRounds]]" = (
    weakref.WeakKeyDictionary()
)


async def visitor(session_key: str, ticket_id: int) -> Visitor | None:
    """Who may open a socket on the ticket with this session (see ``visitors``). Asked in
    rounds as the re-checks are: a thousand pages connecting at once (a web process restarted
    under them) are answered by a few rounds, not a thousand hops queued on one thread."""
    found, _ = await _ask(_visitors_in_thread, session_key, ticket_id)
    return cast(Visitor | None, found)


async def still_allowed(session_key: str, ticket_id: int) -> tuple[bool, float]:
    """Whether the session's user may still read the ticket, and when the check began."""
    found, began = await _ask(_readable_in_thread, session_key, ticket_id)
    return found is not None, began


async def still_sees_team(session_key: str, team_id: int) -> tuple[bool, float]:
    """Whether the session's user still sees the team's tickets, and when the check began."""
    found, began = await _ask(_visible_teams_in_thread, session_key, team_id)
    return found is not None, began


async def _ask(check: Check, session_key: str, object_id: int) -> Answer:
    by_check = _rounds.setdefault(asyncio.get_running_loop(), {})
    rounds = by_check.get(check)
    if rounds is None:
        rounds = by_check[check] = AccessRounds(check)
    return await rounds.ask(session_key, object_id)
