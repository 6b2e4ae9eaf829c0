"""The load: customers and analysts posting, websocket clients listening, all in one asyncio
process over aiohttp. Every post records the id the server keeps it under (its external id),
so that the report can count what was acknowledged against what was stored."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.customer_questions import QUESTIONS
from bench.loadtest.report import Post

REPLIES = [
    "Thanks, we are looking into it and will get back to you shortly.",
    "Could you send us the instance id and the time it happened?",
    "This should be fixed now; please try again.",
]
MESSAGE_ID_RE = re.compile(r'id="message-(\d+)"(?: data-seq="(\d+)")?')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HANDSHAKE_TIMEOUT_S = 15.0
RETRYABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


@dataclass
class Target:
    """Where the clients go: the two web processes, the integration's credentials."""

    ports: tuple[int, int]
    integration_slug: str
    integration_secret: str
    integration_token: str
    integration_pk: int
    integration_user: int
    analysts: list[tuple[int, str]]  # (user id, API token)
    analyst_sessions: list[str]
    team: str = "compute"


@dataclass
class Ticket:
    id: int
    channel: str  # api, portal or webhook: how its customer writes
    portal_path: str = ""
    conversation: str = ""


@dataclass
class Subscriber:
    """One websocket client: what it got pushed and what it fetched to fill gaps."""

    ticket: Ticket
    port: int
    staff: bool
    session_key: str = ""
    pushed: dict[int, float] = field(default_factory=dict)  # message id -> wall time
    fetched: set[int] = field(default_factory=set)
    seqs: set[int] = field(default_factory=set)
    connects: int = 0
    open: bool = False
    fetch_failures: int = 0

    def held_seq(self) -> int:
        """The highest number held without a hole, as the pages keep it."""
        n = 0
        while n + 1 in self.seqs:
            n += 1
        return n


@dataclass
class Load:
    target: Target
    stop: asyncio.Event  # the posting clients stop
    closing: asyncio.Event  # the websocket clients stop
    posts: list[Post] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    subscribers: list[Subscriber] = field(default_factory=list)
    first_piece: dict[int, float] = field(default_factory=dict)  # suggestion -> wall time
    tickets: list[Ticket] = field(default_factory=list)
    csrf: tuple[str, str] = ("", "")  # (cookie, form token)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def record(self, status: str) -> None:
        self.statuses[status] += 1


class Http:
    """Requests through whichever web process answers, retried on network errors and 5xx with
    the same idempotency key, as a client behind a load balancer would."""

    def __init__(self, session: aiohttp.ClientSession, load: Load) -> None:
        self.session, self.load = session, load

    async def request(
        self, method: str, path: str, *, first_port: int, tries: int = 8, **kwargs: Any
    ) -> tuple[int, str, dict[str, str]] | None:
        ports = self.load.target.ports
        port = first_port
        for attempt in range(tries):
            try:
                async with self.session.request(
                    method,
                    f"http://127.0.0.1:{port}{path}",
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=30),
                    **kwargs,
                ) as response:
                    text = await response.text()
                    self.load.record(str(response.status))
                    if response.status == 429:
                        await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                        continue
                    if response.status < 500:
                        return response.status, text, dict(response.headers)
            except RETRYABLE as exc:
                self.load.record(type(exc).__name__)
            port = ports[1] if port == ports[0] else ports[0]
            await asyncio.sleep(min(0.25 * 2**attempt, 4.0))
        return None


async def timed_post(
    load: Load, channel: str, kind: str, ticket: int, key: str, call: Callable[[], Awaitable]
) -> Any:
    post = Post(key=key, channel=channel, kind=kind, ticket=ticket, sent_at=time.time())
    load.posts.append(post)
    started = time.monotonic()
    answer = await call()
    if answer is not None:
        post.status = answer[0]
        post.latency_ms = (time.monotonic() - started) * 1000
    return answer


def _question(load: Load) -> str:
    return f"{random.choice(QUESTIONS)} ({next(load.counter)})"


# Customers ----------------------------------------------------------------------------------


async def api_customer(http: Http, load: Load, n: int) -> Ticket | None:
    """Opens a ticket through the REST API as the integration, then writes in it as the
    customer, each post with an Idempotency-Key."""
    t = load.target
    auth = {"Authorization": f"Token {t.integration_token}"}
    key = uuid.uuid4().hex
    document = {
        "team": t.team,
        "customer": {"name": f"API customer {n}", "email": f"api{n}@example.com"},
        "subject": f"Load ticket (API) {n}",
        "body": _question(load),
    }
    answer = await timed_post(
        load,
        "api",
        "customer",
        0,
        f"api-{t.integration_user}:{key}",
        lambda: http.request(
            "POST",
            "/api/v1/tickets/create/",
            first_port=t.ports[n % 2],
            json=document,
            headers={**auth, "Idempotency-Key": key},
        ),
    )
    if answer is None or answer[0] not in (200, 201):
        return None
    ticket = Ticket(id=json.loads(answer[1])["id"], channel="api")
    load.posts[-1].ticket = ticket.id
    return ticket


async def api_customer_post(http: Http, load: Load, ticket: Ticket, port: int) -> None:
    t = load.target
    key = uuid.uuid4().hex
    headers = {"Authorization": f"Token {t.integration_token}", "Idempotency-Key": key}
    await timed_post(
        load,
        "api",
        "customer",
        ticket.id,
        f"api-{t.integration_user}:{key}",
        lambda: http.request(
            "POST",
            f"/api/v1/tickets/{ticket.id}/messages/create/",
            first_port=port,
            json={"kind": "customer", "body": _question(load)},
            headers=headers,
        ),
    )


def _form_headers(load: Load) -> dict[str, str]:
    return {"Cookie": f"csrftoken={load.csrf[0]}"}


async def portal_customer(http: Http, load: Load, n: int) -> Ticket | None:
    t = load.target
    token = uuid.uuid4().hex
    form = {
        "csrfmiddlewaretoken": load.csrf[1],
        "name": f"Portal customer {n}",
        "email": f"portal{n}@example.com",
        "team": t.team,
        "subject": f"Load ticket (portal) {n}",
        "body": _question(load),
        "client_token": token,
    }
    answer = await timed_post(
        load,
        "portal",
        "customer",
        0,
        f"portal-new:{token}",
        lambda: http.request(
            "POST", "/support/", first_port=t.ports[n % 2], data=form, headers=_form_headers(load)
        ),
    )
    if answer is None or answer[0] != 302:
        return None
    path = answer[2]["Location"].split("?")[0]
    return Ticket(id=0, channel="portal", portal_path=path)


async def portal_customer_post(http: Http, load: Load, ticket: Ticket, port: int) -> None:
    token = uuid.uuid4().hex
    form = {"csrfmiddlewaretoken": load.csrf[1], "body": _question(load), "client_token": token}
    await timed_post(
        load,
        "portal",
        "customer",
        ticket.id,
        f"portal:{token}",
        lambda: http.request(
            "POST",
            f"{ticket.portal_path}reply/",
            first_port=port,
            data=form,
            headers=_form_headers(load),
        ),
    )


async def webhook_post(
    http: Http, load: Load, conversation: str, n: int, role: str, port: int, ticket: int = 0
) -> Any:
    from integrations import signing  # the product's own signature, as a sender computes it

    t = load.target
    message_id = uuid.uuid4().hex
    document = {
        "delivery_id": f"d-{message_id}",
        "conversation": {
            "id": conversation,
            "subject": f"Load ticket (webhook) {conversation}",
            "customer": {"name": f"Chat customer {n}", "email": f"chat{n}@example.com"},
        },
        "message": {
            "id": message_id,
            "author": f"Chat customer {n}" if role == "customer" else "Chat agent",
            "role": role,
            "text": _question(load) if role == "customer" else random.choice(REPLIES),
        },
    }
    body = json.dumps(document).encode()

    async def send() -> Any:
        # Signed at each try: a retry after a long outage still carries a fresh timestamp.
        headers = {
            "Content-Type": "application/json",
            **signing.signed_headers(t.integration_secret, body),
        }
        return await http.request(
            "POST",
            f"/integrations/{t.integration_slug}/inbound/",
            first_port=port,
            data=body,
            headers=headers,
        )

    return await timed_post(
        load, "webhook", role, ticket, f"integration:{t.integration_pk}:{message_id}", send
    )


async def webhook_customer(http: Http, load: Load, n: int) -> Ticket | None:
    conversation = f"load-{n}-{uuid.uuid4().hex[:8]}"
    answer = await webhook_post(http, load, conversation, n, "customer", load.target.ports[n % 2])
    if answer is None or answer[0] not in (200, 201):
        return None
    ticket = Ticket(id=json.loads(answer[1])["ticket"], channel="webhook")
    ticket.conversation = conversation
    load.posts[-1].ticket = ticket.id
    return ticket


async def customer_loop(
    http: Http, load: Load, ticket: Ticket, n: int, think: float, post: Callable[..., Awaitable]
) -> None:
    while not load.stop.is_set():
        await _think(load, think)
        if load.stop.is_set():
            return
        await post(http, load, ticket, load.target.ports[random.randrange(2)])


async def _think(load: Load, think: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(load.stop.wait(), random.uniform(0.5, 1.5) * think)


async def webhook_customer_post(http: Http, load: Load, ticket: Ticket, port: int) -> None:
    await webhook_post(http, load, ticket.conversation, ticket.id, "customer", port, ticket.id)


# Analysts -----------------------------------------------------------------------------------


async def analyst_loop(http: Http, load: Load, n: int, think: float, by_webhook: bool) -> None:
    """Replies (REST API with an Idempotency-Key, or the webhook as the chat's agent) and
    status changes on the load's tickets."""
    t = load.target
    user_id, token = t.analysts[n % len(t.analysts)]
    while not load.stop.is_set():
        await _think(load, think)
        if load.stop.is_set():
            return
        port = t.ports[random.randrange(2)]
        if by_webhook:
            chat = [tk for tk in load.tickets if tk.channel == "webhook"]
            if chat:
                ticket = random.choice(chat)
                await webhook_post(http, load, ticket.conversation, n, "analyst", port, ticket.id)
            continue
        ticket = random.choice(load.tickets)
        if random.random() < 0.25:
            status = random.choice(["waiting", "open"])
            await http.request(
                "POST",
                f"/api/v1/tickets/{ticket.id}/update/",
                first_port=port,
                json={"status": status},
                headers={"Authorization": f"Token {token}"},
            )
            continue
        await _analyst_reply(http, load, user_id, token, ticket, port)


async def _analyst_reply(
    http: Http, load: Load, user_id: int, token: str, ticket: Ticket, port: int
) -> None:
    key = uuid.uuid4().hex
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": key}
    await timed_post(
        load,
        "api",
        "analyst",
        ticket.id,
        f"api-{user_id}:{key}",
        lambda: http.request(
            "POST",
            f"/api/v1/tickets/{ticket.id}/messages/create/",
            first_port=port,
            json={"kind": "analyst", "body": random.choice(REPLIES)},
            headers=headers,
        ),
    )


# Websocket clients --------------------------------------------------------------------------


async def catch_up(http: Http, load: Load, sub: Subscriber) -> None:
    """What the pages do on every (re)connect, on a gap and every 20 s: fetch the messages
    numbered after the last one held without a hole."""
    if sub.staff:
        path = f"/tickets/{sub.ticket.id}/conversation/?after_seq={sub.held_seq()}"
        headers = {"Cookie": f"sessionid={sub.session_key}", "HX-Request": "true"}
    else:
        path = f"{sub.ticket.portal_path}conversation/?after_seq={sub.held_seq()}"
        headers = {"HX-Request": "true"}
    answer = await http.request("GET", path, first_port=sub.port, tries=2, headers=headers)
    if answer is None or answer[0] != 200:
        sub.fetch_failures += 1
        return
    for message_id, seq in MESSAGE_ID_RE.findall(answer[1]):
        sub.fetched.add(int(message_id))
        if seq:
            sub.seqs.add(int(seq))


async def subscribe(http: Http, load: Load, sub: Subscriber) -> None:
    if sub.staff:
        url = f"ws://127.0.0.1:{sub.port}/ws/tickets/{sub.ticket.id}/"
        headers = {"Cookie": f"sessionid={sub.session_key}"}
    else:
        token = sub.ticket.portal_path.rstrip("/").rsplit("/", 1)[-1]
        url = f"ws://127.0.0.1:{sub.port}/ws/support/{token}/"
        headers = {}
    headers["Origin"] = f"http://127.0.0.1:{sub.port}"
    pause = 0.5
    while not load.closing.is_set():
        try:
            # A handshake left unanswered (a web process starting, its backlog full) is given
            # up after a while and tried again, as a browser would.
            connecting = http.session.ws_connect(url, headers=headers, heartbeat=None)
            async with await asyncio.wait_for(connecting, HANDSHAKE_TIMEOUT_S) as ws:
                sub.connects += 1
                sub.open = True
                pause = 0.5
                await catch_up(http, load, sub)
                await _receive(http, load, sub, ws)
        except Exception as exc:  # whatever it was, a page would try again
            load.record(f"ws-dropped-{type(exc).__name__}")
        finally:
            sub.open = False
        if load.closing.is_set():
            return
        # As static/vigil/socket.js: 0.5 s doubling to 15 s, each wait between half and all of it.
        await asyncio.sleep(pause * random.uniform(0.5, 1.0))
        pause = min(pause * 2, 15.0)


async def _receive(
    http: Http, load: Load, sub: Subscriber, ws: aiohttp.ClientWebSocketResponse
) -> None:
    while not load.closing.is_set():
        try:
            frame = await asyncio.wait_for(ws.receive(), timeout=1.0)
        except TimeoutError:
            continue
        if frame.type != aiohttp.WSMsgType.TEXT:
            load.record(f"ws-closed-{frame.data}")
            return
        data = json.loads(frame.data)
        if data.get("type") == "message":
            sub.pushed.setdefault(int(data["id"].removeprefix("message-")), time.time())
            seq = data.get("seq")
            if isinstance(seq, int):
                gap = seq > sub.held_seq() + 1
                sub.seqs.add(seq)
                if gap:
                    await catch_up(http, load, sub)
        elif data.get("type") == "piece":
            load.first_piece.setdefault(int(data["suggestion"]), time.time())


async def periodic_catch_up(http: Http, load: Load, every: float = 20.0) -> None:
    while not load.closing.is_set():
        with suppress(TimeoutError):
            await asyncio.wait_for(load.closing.wait(), every)
        if load.closing.is_set():
            return
        for sub in load.subscribers:
            if sub.open:
                await catch_up(http, load, sub)
