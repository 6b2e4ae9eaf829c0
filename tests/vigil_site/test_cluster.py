"""The real `make cluster`: PostgreSQL, Redis, two daphne processes and two task workers.

One test runs the cluster on the test database (so the test can arrange data and read results)
and proves the processes work as one: a message posted to the first web process reaches a
websocket on the second, and a task worker records the copilot's run; a killed worker is started
again, and Ctrl-C leaves nothing behind. The other starts the cluster's own PostgreSQL from an
empty folder, as a clean checkout would.
"""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import httpx
import psutil
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from copilot.models import CopilotRun
from tests.factories import TeamFactory, TicketFactory, UserFactory
from tickets.models import Message
from vigil_site.cluster import procfile_entries

pytestmark = pytest.mark.django_db(transaction=True)

START_TIMEOUT_S = 240  # a fresh PostgreSQL, every migration, four Django processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, check, log: Path, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text()[-4000:]}")


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Cluster:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.web = [free_port(), free_port()]
        self.log = folder / "cluster.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # tasks are signed with it
            "VIGIL_CLUSTER_DIR": str(folder / "cluster"),
            "VIGIL_DATA_DIR": str(folder / "data"),
            "VIGIL_WORKERS": "1",
            "WEB1_PORT": str(self.web[0]),
            "WEB2_PORT": str(self.web[1]),
            "PG_PORT": str(free_port()),
            "REDIS_PORT": str(free_port()),
            **env,
        }
        for name in ("DATABASE_URL", "REDIS_URL", "VIGIL_CHANNELS_URL"):
            if name not in env or not env[name]:
                env.pop(name, None)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "vigil_site.cluster", "--no-demo"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.seen: dict[int, psutil.Process] = {}

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.web[n]}"

    def serving(self) -> bool:
        try:
            return all(httpx.get(self.url(n) + "/login/").status_code == 200 for n in (0, 1))
        except httpx.HTTPError:
            return False

    def look(self) -> list[psutil.Process]:
        found = psutil.Process(self.process.pid).children(recursive=True)
        for process in found:
            self.seen.setdefault(process.pid, process)
        return found

    def leader(self, name: str) -> psutil.Process:
        """The process the launcher started for a Procfile line (it leads its group)."""
        for process in psutil.Process(self.process.pid).children():
            if process.environ().get("VIGIL_CLUSTER_SERVICE") == name:
                return process
        raise AssertionError(f"no process for {name}")

    def stop(self) -> int:
        self.look()
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=90)

    def left_behind(self) -> list[psutil.Process]:
        return [process for process in self.seen.values() if alive(process)]

    def clean_up(self) -> None:
        if self.process.poll() is None:
            self.look()
            self.process.kill()
            self.process.wait()
        for process in self.left_behind():
            process.kill()


@pytest.fixture
def start_cluster(tmp_path):
    started = []

    def start(**env: str) -> Cluster:
        cluster = Cluster(tmp_path, env)
        started.append(cluster)
        wait_for("both web processes", cluster.serving, cluster.log, timeout=START_TIMEOUT_S)
        wait_for("both task workers", lambda: _workers_ready(cluster), cluster.log)
        return cluster

    yield start
    for cluster in started:
        cluster.clean_up()


def _workers_ready(cluster: Cluster) -> bool:
    cluster.look()
    return all(
        len(cluster.leader(name).children(recursive=True)) >= 4 for name in ("worker1", "worker2")
    )


def test_the_procfile_names_two_web_processes_and_two_workers():
    names = [name for name, _ in procfile_entries()]
    assert names == ["web1", "web2", "worker1", "worker2"]


async def _first_message_event(url: str, session_key: str, post) -> dict:
    headers = {
        "Origin": url.replace("ws://", "http://").split("/ws/")[0],
        "Cookie": f"sessionid={session_key}",
    }
    async with aiohttp.ClientSession() as session, session.ws_connect(url, headers=headers) as ws:
        await asyncio.to_thread(post)
        while True:
            frame = await asyncio.wait_for(ws.receive(), timeout=30)
            assert frame.type == aiohttp.WSMsgType.TEXT, frame
            data = json.loads(frame.data)
            if data.get("type") == "message":
                return data


def test_a_post_to_one_web_process_reaches_a_socket_on_the_other_and_a_worker(start_cluster):
    test_db = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    cluster = start_cluster(DATABASE_URL=urlunsplit(test_db))
    team = TeamFactory(name="Compute", slug="compute")
    ticket = TicketFactory(team=team, subject="Volume is full")
    analyst = UserFactory(roles=["analyst"], teams=[team])
    browser = Client()
    browser.force_login(analyst)
    token = Token.objects.create(user=analyst).key

    def post() -> None:
        answer = httpx.post(
            f"{cluster.url(0)}/api/v1/tickets/{ticket.pk}/messages/create/",
            json={"kind": "customer", "body": "How do I resize my volume?"},
            headers={"Authorization": f"Token {token}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text

    socket_url = f"ws://127.0.0.1:{cluster.web[1]}/ws/tickets/{ticket.pk}/"
    event = asyncio.run(_first_message_event(socket_url, browser.cookies["sessionid"].value, post))

    message = Message.objects.get(ticket=ticket, body="How do I resize my volume?")
    assert event["id"] == f"message-{message.pk}"
    ran = CopilotRun.objects.filter(message=message)
    wait_for("a task worker's copilot run", ran.exists, cluster.log, timeout=90)

    # A worker killed outright is started again; the web processes serve on meanwhile.
    worker = cluster.leader("worker1")
    cluster.look()
    os.killpg(worker.pid, signal.SIGKILL)
    assert cluster.serving()
    wait_for(
        "worker1 to start again",
        lambda: "worker1 started again" in cluster.log.read_text(),
        cluster.log,
    )
    assert re.search(
        rf"worker1 \(pid {worker.pid}\) stopped \(killed by SIGKILL", cluster.log.read_text()
    )

    assert cluster.stop() == 0
    assert cluster.left_behind() == []


def test_the_cluster_starts_its_own_postgresql_with_pgvector(start_cluster):
    cluster = start_cluster()
    found = re.search(r"DATABASE_URL=(\S+)", cluster.log.read_text())
    assert found, cluster.log.read_text()[-2000:]
    with psycopg.connect(found.group(1)) as db:
        assert db.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
        assert db.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0

    assert cluster.stop() == 0
    assert cluster.left_behind() == []


def test_a_port_that_is_not_one_is_refused_with_its_name(monkeypatch):
    from vigil_site import cluster

    monkeypatch.setenv("WEB2_PORT", "80a")
    with pytest.raises(SystemExit, match="WEB2_PORT must be a TCP port number, got '80a'"):
        cluster.ports()
