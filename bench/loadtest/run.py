"""The load run itself: prepare users through the ORM, run the clients and the faults, count."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench.loadtest import clients, faults, report, servers
from bench.loadtest.clients import Load, Subscriber, Target, Ticket

logger = logging.getLogger("vigil.loadtest")
SESSIONS = 20  # analysts whose logins the staff sockets share
SETTLE_S = 5.0
CSRF_COOKIE_RE = re.compile(r"csrftoken=([^;]+)")


def prepare(analysts: int, ports: tuple[int, int]) -> Target:
    """An integration in the demo's Compute team, and analysts with API tokens and logins."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    from integrations import services as integrations
    from tickets.models import Team
    from vigil_site import services as tokens

    team = Team.objects.get(slug="compute")
    credentials = integrations.integration_create(name="Load run chat", slug="loadtest", team=team)
    group = Group.objects.get(name="analyst")
    users = []
    for n in range(max(analysts, SESSIONS)):
        user = User.objects.create_user(f"load-analyst-{n}", first_name=f"Load analyst {n}")
        user.groups.add(group)
        team.members.add(user)
        users.append(user)
    sessions = []
    for user in users[:SESSIONS]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    integration = credentials.integration
    return Target(
        ports=ports,
        integration_slug=integration.slug,
        integration_secret=credentials.secret,
        integration_token=credentials.token,
        integration_pk=integration.pk,
        integration_user=integration.service_user_id,
        analysts=[(u.pk, tokens.token_get_or_create(user=u).key) for u in users[:analysts]],
        analyst_sessions=sessions,
    )


def portal_ticket_ids(tickets: list[Ticket]) -> None:
    from tickets import selectors

    for ticket in tickets:
        if ticket.channel == "portal":
            token = ticket.portal_path.rstrip("/").rsplit("/", 1)[-1]
            ticket.id = selectors.ticket_get_for_portal(token).pk


def run(
    args: argparse.Namespace, ports: servers.Ports, cluster: Any, log_path: Path
) -> dict[str, Any]:
    for web in ports.web:
        production_ready(web)
    customers = max(3, round(args.clients * 0.75))
    analysts = max(1, args.clients - customers)
    target = prepare(analysts, ports.web)
    schedule = faults.schedule(args.minutes)
    outcome = asyncio.run(_load(args, target, ports, cluster, schedule, customers, analysts))
    return _summary(args, outcome, schedule, log_path)


def production_ready(port: int, timeout: float = 120) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"The web process on port {port} did not answer within {timeout:.0f} s.")


async def _load(
    args: argparse.Namespace,
    target: Target,
    ports: servers.Ports,
    cluster: Any,
    schedule: list[faults.Fault],
    customers: int,
    analysts: int,
) -> dict[str, Any]:
    load = Load(target=target, stop=asyncio.Event(), closing=asyncio.Event())
    connector = aiohttp.TCPConnector(limit=0)
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        http = clients.Http(session, load)
        load.csrf = await _csrf(http, ports.web[0])
        logger.info("Opening %d tickets (portal, REST API, webhook)…", customers)
        await _open_tickets(http, load, customers)
        await asyncio.to_thread(portal_ticket_ids, load.tickets)
        logger.info("Connecting %d websocket clients…", args.sockets)
        listeners = await _connect(http, load, args.sockets)
        sampler = _Sampler(cluster, ports)
        sampling = asyncio.create_task(sampler.run(load))
        logger.info("Load for %g min; faults at %s", args.minutes, _when(schedule))
        started, started_wall = time.monotonic(), time.time()
        done = threading.Event()
        thread = threading.Thread(
            target=faults.run,
            args=(schedule, started, cluster, ports.llm, done.is_set, logger.info),
            daemon=True,
        )
        thread.start()
        workers = [
            asyncio.create_task(_customer(http, load, ticket, args.think))
            for ticket in load.tickets
        ]
        workers += [
            asyncio.create_task(clients.analyst_loop(http, load, n, args.think, n % 5 == 4))
            for n in range(analysts)
        ]
        workers.append(asyncio.create_task(clients.periodic_catch_up(http, load)))
        await asyncio.sleep(args.minutes * 60)
        sampler.snapshot_open(load)
        load.stop.set()
        await asyncio.gather(*workers[:-1], return_exceptions=True)
        posting_ended = time.time()
        thread.join()  # a fault still under way is finished (a worker held down released)
        logger.info("Load stopped; the clients catch up once more and close.")
        await asyncio.sleep(SETTLE_S)
        final_fetch_at = time.time()
        semaphore = asyncio.Semaphore(50)

        async def last_fetch(sub: Subscriber) -> None:
            async with semaphore:
                await clients.catch_up(http, load, sub)

        await asyncio.gather(*(last_fetch(sub) for sub in load.subscribers))
        load.closing.set()
        await asyncio.gather(*listeners, workers[-1], sampling, return_exceptions=True)
        done.set()
    first, last = faults.window(schedule)
    try:
        stub = faults.llm_switch(ports.llm)["answered"]
    except OSError as exc:
        stub = {"unreachable": repr(exc)}
    return {
        "llm_stub": stub,
        "load": load,
        "started_wall": started_wall,
        "window": report.Window(started_wall + first, started_wall + last),
        "posting_ended": posting_ended,
        "final_fetch_at": final_fetch_at,
        "seconds": posting_ended - started_wall,
        "sampler": sampler,
    }


def _when(schedule: list[faults.Fault]) -> str:
    return ", ".join(f"{f.name} {f.at:.0f} s" for f in schedule)


async def _csrf(http: clients.Http, port: int) -> tuple[str, str]:
    answer = await http.request("GET", "/support/", first_port=port)
    if answer is None:
        raise SystemExit("The portal did not answer.")
    cookie = CSRF_COOKIE_RE.search(answer[2].get("Set-Cookie", ""))
    token = clients.CSRF_RE.search(answer[1])
    if cookie is None or token is None:
        raise SystemExit("The portal's form carries no CSRF token.")
    return cookie.group(1), token.group(1)


async def _open_tickets(http: clients.Http, load: Load, customers: int) -> None:
    openers = [clients.portal_customer, clients.api_customer, clients.webhook_customer]
    semaphore = asyncio.Semaphore(20)

    async def open_one(n: int) -> Ticket | None:
        async with semaphore:
            return await openers[n % 3](http, load, n)

    opened = await asyncio.gather(*(open_one(n) for n in range(customers)))
    load.tickets = [ticket for ticket in opened if ticket is not None]
    if len(load.tickets) < customers:
        logger.warning(
            "%d of %d tickets could not be opened.", customers - len(load.tickets), customers
        )


async def _customer(http: clients.Http, load: Load, ticket: Ticket, think: float) -> None:
    post = {
        "portal": clients.portal_customer_post,
        "api": clients.api_customer_post,
        "webhook": clients.webhook_customer_post,
    }[ticket.channel]
    await clients.customer_loop(http, load, ticket, 0, think, post)


async def _connect(http: clients.Http, load: Load, sockets: int) -> list[asyncio.Task]:
    t = load.target
    portal = [ticket for ticket in load.tickets if ticket.channel == "portal"]
    for i in range(sockets):
        # One in five listens as the customer on a portal ticket's page; the rest as analysts.
        if portal and i % 5 == 0:
            ticket, staff = portal[(i // 5) % len(portal)], False
        else:
            ticket, staff = load.tickets[i % len(load.tickets)], True
        load.subscribers.append(
            Subscriber(
                ticket=ticket,
                port=t.ports[i % 2],
                staff=staff,
                session_key=t.analyst_sessions[i % len(t.analyst_sessions)],
            )
        )
    tasks = []
    for n, sub in enumerate(load.subscribers):
        tasks.append(asyncio.create_task(clients.subscribe(http, load, sub)))
        if n % 50 == 49:
            await asyncio.sleep(0.2)  # a ramp, not a thundering herd
    deadline = time.monotonic() + 120
    # Polls the clients' own flags (no event to wait on).
    while time.monotonic() < deadline and sum(s.open for s in load.subscribers) < sockets:  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    logger.info(
        "%d of %d websocket clients connected.", sum(s.open for s in load.subscribers), sockets
    )
    return tasks


class _Sampler:
    """Memory and connections of each daphne process every 2 s."""

    def __init__(self, cluster: Any, ports: servers.Ports) -> None:
        self.cluster, self.ports = cluster, ports
        self.peak: dict[str, float] = Counter()
        self.last: dict[str, dict[str, float]] = {}
        self.open: dict[str, int] = {}

    async def run(self, load: Load) -> None:
        while not load.closing.is_set():
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(2)

    def sample(self) -> None:
        for n, name in enumerate(("web1", "web2")):
            pid = self.cluster.pids("web").get(name)
            if pid is None:
                continue
            figures = servers.process_figures(pid, self.ports.web[n])
            self.last[name] = figures
            self.peak[name] = max(self.peak[name], figures["rss_mb"])

    def snapshot_open(self, load: Load) -> None:
        self.sample()
        for n, name in enumerate(("web1", "web2")):
            port = self.ports.web[n]
            self.open[name] = sum(1 for s in load.subscribers if s.open and s.port == port)
        self.at_end = {name: dict(figures) for name, figures in self.last.items()}


# Counting -------------------------------------------------------------------------------------


def _summary(
    args: argparse.Namespace, outcome: dict[str, Any], schedule: list, log_path: Path
) -> dict[str, Any]:
    from django.db.models import Count

    from copilot.models import CopilotRun, Suggestion
    from tickets.models import Message

    load: Load = outcome["load"]
    window: report.Window = outcome["window"]
    tickets = [t.id for t in load.tickets]
    keys = [post.key for post in load.posts]
    stored = dict(
        Message.objects.filter(external_id__in=keys)
        .values("external_id")
        .annotate(n=Count("id"))
        .values_list("external_id", "n")
    )
    counts = report.count_messages(load.posts, stored)
    customer_ids = list(
        Message.objects.filter(ticket_id__in=tickets, kind=Message.Kind.CUSTOMER).values_list(
            "pk", flat=True
        )
    )
    deadline = max(window.end, outcome["posting_ended"]) + args.drain
    with_run = _wait_for_runs(customer_ids, deadline)
    decisions = Counter(
        CopilotRun.objects.filter(message_id__in=customer_ids).values_list("decision", flat=True)
    )
    failed = CopilotRun.objects.filter(message_id__in=customer_ids).exclude(error="").count()
    spoken = Counter(
        f"{engine} {kind}"
        for engine, kind in CopilotRun.objects.filter(
            message_id__in=customer_ids, decision=CopilotRun.Decision.SPEAK
        ).values_list("engine", "kind")
    )
    reasons = Counter(
        CopilotRun.objects.filter(
            message_id__in=customer_ids, decision=CopilotRun.Decision.SILENT
        ).values_list("reason", flat=True)
    )
    created = dict(Message.objects.filter(ticket_id__in=tickets).values_list("pk", "created_at"))
    expected = _expected(load, outcome["final_fetch_at"])
    ws_total, ws_delivered, ws_missing = report.websocket_missing(
        (want, set(sub.pushed) | sub.fetched) for sub, want in expected
    )
    delivery = [
        (created[pk].timestamp(), (at - created[pk].timestamp()) * 1000)
        for sub in load.subscribers
        for pk, at in sub.pushed.items()
        if pk in created
    ]
    message_of = dict(
        Suggestion.objects.filter(pk__in=load.first_piece).values_list("pk", "run__message_id")
    )
    first_bytes = [
        (created[m].timestamp(), (at - created[m].timestamp()) * 1000)
        for s, at in load.first_piece.items()
        if (m := message_of.get(s)) in created
    ]
    posts = [(p.sent_at, p.latency_ms) for p in load.posts if p.latency_ms is not None]
    sampler: _Sampler = outcome["sampler"]
    log_text = log_path.read_text(errors="replace")
    summary: dict[str, Any] = {
        "minutes": args.minutes,
        "clients": args.clients,
        "sockets": args.sockets,
        "think_s": args.think,
        **counts,
        "posts_per_s": round(counts["posted"] / max(outcome["seconds"], 1), 1),
        "statuses": dict(sorted(load.statuses.items())),
        "http_5xx": report.http_5xx(load.statuses),
        "ws_expected": ws_total,
        "ws_delivered": ws_delivered,
        "ws_missing": ws_missing,
        "ws_pushed": sum(len(s.pushed) for s in load.subscribers),
        "ws_reconnects": sum(max(0, s.connects - 1) for s in load.subscribers),
        "ws_never_connected": sum(1 for s in load.subscribers if s.connects == 0),
        "customer_messages": len(customer_ids),
        "copilot_runs": len(with_run),
        "copilot_missing": report.copilot_missing(customer_ids, with_run),
        "copilot_decisions": {**dict(decisions), "with_error": failed},
        "copilot_spoken": dict(spoken),
        "copilot_silent_reasons": dict(reasons.most_common(6)),
        # When (seconds into the load) the messages without a run were saved, to match faults.
        "copilot_missing_at_s": sorted(
            round(created[pk].timestamp() - outcome["started_wall"], 1)
            for pk in customer_ids
            if pk not in with_run and pk in created
        )[:20],
        "post_ms": report.by_phase(posts, window),
        "delivery_ms": report.by_phase(delivery, window),
        "first_bytes_ms": report.by_phase(first_bytes, window),
        "daphne": {
            name: {
                "sockets": sampler.open.get(name, 0),
                "connections": sampler.at_end.get(name, {}).get("connections", 0),
                "rss_mb": sampler.at_end.get(name, {}).get("rss_mb", 0.0),
                "peak_rss_mb": sampler.peak.get(name, 0.0),
            }
            for name in ("web1", "web2")
        },
        "faults": [f"{f.name} at {f.at:.0f} s" for f in schedule],
        "llm_stub_answers": outcome["llm_stub"],
        "log_errors": log_text.count("Traceback"),
    }
    return summary


def _wait_for_runs(customer_ids: list[int], deadline: float) -> set[int]:
    from copilot.models import CopilotRun

    while True:
        with_run = set(
            CopilotRun.objects.filter(message_id__in=customer_ids).values_list(
                "message_id", flat=True
            )
        )
        if len(with_run) >= len(customer_ids) or time.time() > deadline:
            return with_run
        time.sleep(1)


def _expected(load: Load, until: float) -> list[tuple[Subscriber, set[int]]]:
    """Each subscriber's messages: its ticket's (public ones for a portal page) saved more than
    a second before the last catch-up began."""
    from tickets.models import Message

    cutoff = dt.datetime.fromtimestamp(until - 1, tz=dt.UTC)
    rows = Message.objects.filter(
        ticket_id__in={s.ticket.id for s in load.subscribers}, created_at__lte=cutoff
    ).values_list("pk", "ticket_id", "internal")
    staff: dict[int, set[int]] = {}
    public: dict[int, set[int]] = {}
    for pk, ticket, internal in rows:
        staff.setdefault(ticket, set()).add(pk)
        if not internal:
            public.setdefault(ticket, set()).add(pk)
    return [
        (sub, (staff if sub.staff else public).get(sub.ticket.id, set()))
        for sub in load.subscribers
    ]
