"""Live updates under load, end to end through the processes `make run` starts (not a test).

Starts `manage.py run_vigil` (migrations, the demo, daphne, the django-q2 worker, the embedded
Redis) on a free port with a data folder of its own, the local copilot engine on. Then:

1. an integration in the demo's Compute team opens ``--tickets`` conversations through the
   signed inbound webhook;
2. ``--listeners`` websocket clients per ticket, each logged in as an analyst of the team,
   listen on the ticket's staff socket;
3. ``--customers`` customers each post ``--messages`` messages through the webhook, spread over
   the tickets, at ``--rate`` posts per second (open loop: a post is sent on schedule whether or
   not earlier ones were answered);
4. once the last answer is in, the clients wait ``--settle`` seconds for stragglers, and the
   copilot's queue is given up to ``--drain`` seconds to decide every customer message.

Prints posted / stored / answered by status, events expected / received, post latency p50/p95,
event delay after the post's answer p50/p95 (an event that arrives before the answer counts
0 ms), gaps a page would have to fill, the copilot's run lag (message saved → its run recorded)
p50/p95, the log's "over capacity" lines, and a final JSON line with all of it.

Usage: python bench/live_events.py [--rate 50] [--customers 50] [--messages 10] [--tickets 10]
       [--listeners 5] [--keep-log FILE]
"""

import argparse
import asyncio
import atexit
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.customer_questions import QUESTIONS  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Vigil:
    """`manage.py run_vigil` in a process group of its own, its output in a log file."""

    def __init__(self, data_dir: Path, port: int, log: Path, env: dict[str, str]) -> None:
        self.port, self.log_path = port, log
        self.env = {**os.environ, **env, "VIGIL_DATA_DIR": str(data_dir), "PORT": str(port)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = self.log_path.open("wb")
        command = [sys.executable, "manage.py", "run_vigil", "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"run_vigil exited; see {self.log_path}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"Vigil did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        # SIGINT, as Ctrl-C: run_vigil stops its children, Redis and the database with them.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def setup_django(data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "vigil_site.settings"
    os.environ["VIGIL_DATA_DIR"] = str(data_dir)
    os.environ["VIGIL_LLM_MODEL"] = ""
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def prepare(listeners: int) -> tuple[str, list[str]]:
    """An integration in the Compute team and analysts with sessions: (secret, session keys)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    from integrations import services
    from tickets.models import Team

    team = Team.objects.get(slug="compute")
    secret = services.integration_create(name="Bench chat", slug="bench", team=team).secret
    analyst_group = Group.objects.get(name="analyst")
    sessions = []
    for n in range(listeners):
        user = User.objects.create_user(f"bench-analyst-{n}", first_name=f"Analyst {n}")
        user.groups.add(analyst_group)
        team.members.add(user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return secret, sessions


def signed(secret: str, document: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    from integrations import signing

    body = json.dumps(document).encode()
    return body, {"Content-Type": "application/json", **signing.signed_headers(secret, body)}


class Listener:
    def __init__(self, ticket: int) -> None:
        self.ticket = ticket
        self.arrived: dict[int, float] = {}  # message id -> monotonic time
        self.other = 0


async def listen(
    base: str, session_key: str, listener: Listener, ready: asyncio.Event, stop: asyncio.Event
) -> None:
    url = f"ws://{base}/ws/tickets/{listener.ticket}/"
    headers = {"Origin": f"http://{base}", "Cookie": f"sessionid={session_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers=headers, heartbeat=None) as ws,
    ):
        ready.set()
        while not stop.is_set():
            try:
                frame = await asyncio.wait_for(ws.receive(), timeout=0.5)
            except TimeoutError:
                continue
            if frame.type != aiohttp.WSMsgType.TEXT:
                print(f"socket on #{listener.ticket} ended: {frame.type.name} {frame.data}")
                return
            data = json.loads(frame.data)
            if data.get("type") == "message":
                listener.arrived[int(data["id"].removeprefix("message-"))] = time.monotonic()
            else:
                listener.other += 1


async def run_load(args: argparse.Namespace, base: str, secret: str, sessions: list[str]) -> dict:
    url = f"http://{base}/integrations/bench/inbound/"
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        tickets = []
        for t in range(args.tickets):
            document = {
                "delivery_id": f"open-{t}",
                "conversation": {
                    "id": f"c-{t}",
                    "subject": f"Bench conversation {t}",
                    "customer": {"name": f"Customer {t}", "email": f"c{t}@example.com"},
                },
                "message": {
                    "id": f"open-{t}",
                    "author": f"Customer {t}",
                    "role": "customer",
                    "text": QUESTIONS[0],
                },
            }
            body, headers = signed(secret, document)
            answer = await client.post(url, content=body, headers=headers)
            answer.raise_for_status()
            tickets.append(answer.json()["ticket"])

        listeners = [Listener(ticket) for ticket in tickets for _ in range(args.listeners)]
        stop = asyncio.Event()
        readies = [asyncio.Event() for _ in listeners]
        sockets = [
            asyncio.create_task(listen(base, sessions[n % len(sessions)], lst, ready, stop))
            for n, (lst, ready) in enumerate(zip(listeners, readies, strict=True))
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=60)
        await asyncio.sleep(1)

        answered: dict[int, float] = {}  # message id -> monotonic time of the answer
        post_ms: list[float] = []
        statuses: dict[str, int] = {}
        plan = [(c, m) for m in range(args.messages) for c in range(args.customers)]

        async def post(n: int, customer: int, m: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            t = customer % args.tickets
            document = {
                "delivery_id": f"d-{customer}-{m}",
                "conversation": {
                    "id": f"c-{t}",
                    "subject": f"Bench conversation {t}",
                    "customer": {"name": f"Customer {t}", "email": f"c{t}@example.com"},
                },
                "message": {
                    "id": f"m-{customer}-{m}",
                    "author": f"Customer {customer}",
                    "role": "customer",
                    "text": QUESTIONS[n % len(QUESTIONS)] + f" ({customer}.{m})",
                },
            }
            body, headers = signed(secret, document)
            sent = time.monotonic()
            try:
                answer = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                return
            done = time.monotonic()
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
            post_ms.append((done - sent) * 1000)
            if answer.status_code in (200, 201):
                answered[answer.json()["message"]] = done

        started = time.monotonic()
        await asyncio.gather(
            *(post(n, customer, m, started + n / args.rate) for n, (customer, m) in enumerate(plan))
        )
        finished = time.monotonic()
        await asyncio.sleep(args.settle)
        stop.set()
        await asyncio.gather(*sockets, return_exceptions=True)

    return {
        "tickets": tickets,
        "posted": len(plan),
        "statuses": statuses,
        "answered": answered,
        "post_ms": post_ms,
        "seconds": finished - started,
        "listeners": listeners,
    }


def events(result: dict) -> dict:
    """What the listeners received of the messages posted to their tickets."""
    from tickets.models import Message

    answered = result["answered"]
    ticket_of = dict(Message.objects.filter(pk__in=answered).values_list("pk", "ticket_id"))
    expected = received = 0
    delays: list[float] = []
    for lst in result["listeners"]:
        mine = [pk for pk, ticket in ticket_of.items() if ticket == lst.ticket]
        expected += len(mine)
        got = [pk for pk in mine if pk in lst.arrived]
        received += len(got)
        delays += [max(0.0, (lst.arrived[pk] - answered[pk]) * 1000) for pk in got]
    return {
        "expected": expected,
        "received": received,
        "event_ms": delays,
        "other_events": sum(lst.other for lst in result["listeners"]),
    }


def copilot_lags(message_ids: list[int], drain: float) -> tuple[list[float], int]:
    """Seconds from each customer message being saved to its copilot run being recorded,
    waiting up to ``drain`` s for the worker to decide them all; and how many it did not."""
    from copilot.models import CopilotRun

    deadline = time.monotonic() + drain
    while True:
        runs = dict(
            CopilotRun.objects.filter(message_id__in=message_ids).values_list(
                "message_id", "created_at"
            )
        )
        if len(runs) >= len(message_ids) or time.monotonic() > deadline:
            break
        time.sleep(1)
    from tickets.models import Message

    saved = dict(Message.objects.filter(pk__in=runs).values_list("pk", "created_at"))
    lags = [(runs[pk] - saved[pk]).total_seconds() for pk in runs]
    return lags, len(message_ids) - len(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="posts per second")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10, help="per customer")
    parser.add_argument("--tickets", type=int, default=10)
    parser.add_argument("--listeners", type=int, default=5, help="websockets per ticket")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--keep-log", type=Path, help="copy the servers' log here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    # Registered first, so it runs last: after the embedded database has stopped at exit.
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    data_dir, log = tmp / "data", tmp / "vigil.log"
    # This process holds the embedded database; run_vigil joins it.
    setup_django(data_dir)
    from django.db import connection

    connection.ensure_connection()
    port = free_port()
    vigil = Vigil(data_dir, port, log, {"VIGIL_LLM_MODEL": ""})
    vigil.start()
    try:
        vigil.wait_ready()
        secret, sessions = prepare(args.listeners)
        base = f"127.0.0.1:{port}"
        result = asyncio.run(run_load(args, base, secret, sessions))
        result.update(events(result))
        lags, undecided = copilot_lags(list(result["answered"]), args.drain)
    finally:
        vigil.stop()
        text = log.read_text(errors="replace")
        if args.keep_log:
            args.keep_log.write_text(text)
    over_capacity = text.count("over capacity")

    from tickets.models import Message

    stored = Message.objects.filter(ticket_id__in=result["tickets"]).count()
    post, event = result["post_ms"], result["event_ms"]
    figures = {
        "rate_asked": args.rate,
        "posted": result["posted"] + args.tickets,
        "stored": stored,
        "statuses": result["statuses"],
        "posts_per_s": round(result["posted"] / result["seconds"], 1),
        "post_p50_ms": round(percentile(post, 50), 1),
        "post_p95_ms": round(percentile(post, 95), 1),
        "events_expected": result["expected"],
        "events_received": result["received"],
        "event_p50_ms": round(percentile(event, 50), 1),
        "event_p95_ms": round(percentile(event, 95), 1),
        "other_events": result["other_events"],
        "copilot_runs": len(lags),
        "copilot_undecided": undecided,
        "copilot_lag_p50_s": round(percentile(lags, 50), 2),
        "copilot_lag_p95_s": round(percentile(lags, 95), 2),
        "over_capacity_log_lines": over_capacity,
    }
    print(f"posted {figures['posted']}, stored {stored}, answers {result['statuses']}")
    print(
        f"posts: {figures['posts_per_s']}/s sustained (asked {args.rate:g}/s), "
        f"p50 {figures['post_p50_ms']} ms, p95 {figures['post_p95_ms']} ms"
    )
    print(
        f"message events: {result['received']} of {result['expected']} received; after the "
        f"post's answer p50 {figures['event_p50_ms']} ms, p95 {figures['event_p95_ms']} ms"
    )
    print(
        f"copilot: {len(lags)} runs, {undecided} undecided; lag p50 "
        f"{figures['copilot_lag_p50_s']} s, p95 {figures['copilot_lag_p95_s']} s"
    )
    print(f"'over capacity' lines in the log: {over_capacity}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
