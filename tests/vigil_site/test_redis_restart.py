"""With REDIS_URL, a Redis restart costs a short wait, not a failed request or a lost event.

Each test runs a real Redis server (the one `make cluster` runs) and stops and starts it, as
the load run does (bench/loadtest)."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.db import connection

from tests.factories import TicketFactory
from tickets.models import Message
from tickets.views import portal_path
from vigil_site.cluster import redis_command
from vigil_site.embedded_redis import channel_layer
from vigil_site.redis_retry import retries_for


class RedisServer:
    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.command = redis_command(folder, self.port, verbose=False)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)  # noqa: S603
        self.started.append(self.process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart_after(self, seconds: float) -> threading.Thread:
        """Stopped now, started again ``seconds`` later (in a thread)."""
        self.stop()

        def later() -> None:
            time.sleep(seconds)
            self.start()

        thread = threading.Thread(target=later)
        thread.start()
        return thread


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    for process in server.started:  # whatever a test left running, restarts included
        process.terminate()
        process.wait(timeout=10)


# Requests through the whole Django stack of a process of its own: one, then (after a line on
# stdin) another; prints each status code.
REQUESTS = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
def ask():
    if len(sys.argv) > 1:
        form = {"body": "Still broken", "client_token": f"t{ask.n}"}
        ask.n += 1
        return client.post(sys.argv[1], form, HTTP_HOST="localhost").status_code
    return client.get("/api/v1/tickets/", HTTP_HOST="localhost").status_code
ask.n = 0
print(json.dumps(ask()), flush=True)
sys.stdin.readline()
print(json.dumps(ask()), flush=True)
"""


def a_process(redis_url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    test_db = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    return subprocess.Popen(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", REQUESTS, *args],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
            "DATABASE_URL": urlunsplit(test_db),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "REDIS_URL": redis_url,
            "VIGIL_LOG_LEVEL": "ERROR",
            **env,
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def first_then_second(process: subprocess.Popen[str], between) -> list[int]:
    assert process.stdout is not None
    assert process.stdin is not None
    first = json.loads(process.stdout.readline())
    between()
    process.stdin.write("go\n")
    process.stdin.flush()
    second = json.loads(process.stdout.readline())
    process.wait(timeout=60)
    return [first, second]


@pytest.mark.django_db(transaction=True)
def test_an_api_request_while_redis_restarts_waits_for_it(redis_server):
    # The throttle counts in Redis: before, the request during the restart was a 500.
    process = a_process(redis_server.url)
    restarted: list[threading.Thread] = []

    statuses = first_then_second(process, lambda: restarted.append(redis_server.restart_after(1)))
    restarted[0].join()

    assert statuses == [401, 401]


@pytest.mark.django_db(transaction=True)
def test_a_message_saved_while_the_broker_is_away_is_answered_and_kept(redis_server):
    # Queueing the copilot's task runs after the commit: before, its failure turned the saved
    # message into a 500. Now it is logged, and queue_missed_runs queues it later.
    ticket = TicketFactory()
    process = a_process(
        redis_server.url, f"{portal_path(ticket)}reply/", VIGIL_REDIS_RETRY_SECONDS="0.3"
    )

    statuses = first_then_second(process, redis_server.stop)

    assert statuses == [302, 302]  # saved, and on to the page; the second task not queued
    assert Message.objects.filter(ticket=ticket, body="Still broken").count() == 2


def test_publishing_after_a_restart_works_and_sockets_joined_before_hear_again(redis_server):
    # Before, the first publish after a restart failed on the pool's dead connection (the
    # publisher logged it and the event was gone). Events published while a process is not yet
    # subscribed again are not delivered (Redis publish/subscribe keeps nothing): pages fill
    # that gap by number.
    layer = RedisPubSubChannelLayer(**channel_layer(redis_server.url)["CONFIG"])

    async def scenario() -> dict:
        channel = await layer.new_channel()
        await layer.group_add("ticket.1", channel)
        await layer.group_send("ticket.1", {"type": "ticket.message", "n": -1})
        assert (await layer.receive(channel))["n"] == -1
        await asyncio.to_thread(redis_server.stop)
        await asyncio.to_thread(redis_server.start)
        # One receive throughout: a cancelled receive drops the channel (as a consumer leaving).
        heard = asyncio.ensure_future(layer.receive(channel))
        try:
            for n in range(50):
                await layer.group_send("ticket.1", {"type": "ticket.message", "n": n})
                done, _ = await asyncio.wait({heard}, timeout=0.2)
                if done:
                    return heard.result()
            raise AssertionError("the socket never heard from its group again")
        finally:
            heard.cancel()
            await layer.flush()

    assert async_to_sync(scenario)()["type"] == "ticket.message"


def test_the_retries_wait_at_least_as_long_as_asked():
    assert retries_for(0) == 0
    # 0.1 + 0.2 + 0.4 + 0.5 + 0.5 = 1.7 s: five retries to wait 1.5 s.
    assert retries_for(1.5) == 5
