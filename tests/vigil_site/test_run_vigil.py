"""The real `run_vigil`: daphne, a django-q2 cluster and an embedded Redis, on the test database.

Each test starts the command in a subprocess on a free port, kills the cluster's sentinel with
SIGKILL as a crash would, and looks at what is left.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from copilot.models import CopilotRun
from tests.factories import TeamFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

START_TIMEOUT_S = 180  # migrations checked, static files collected, two Django processes started


def wait_for(what: str, check, timeout: float = 60.0, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Vigil:
    """A `run_vigil` subprocess and every process it was seen to have."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "run_vigil.log"
        test_db = urlsplit(settings.DATABASE_URL)._replace(
            path=f"/{connection.settings_dict['NAME']}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
            "DATABASE_URL": urlunsplit(test_db),
            # Tasks queued by this process are signed with its key.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "VIGIL_DATA_DIR": str(data_dir),
            "VIGIL_WORKERS": "1",
            **env,
        }
        env.pop("VIGIL_CHANNELS_URL", None)
        command = [sys.executable, "manage.py", "run_vigil", "--no-demo", f"--port={self.port}"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.seen: dict[int, psutil.Process] = {}

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def serving(self) -> bool:
        try:
            return self.get("/login/").status_code == 200
        except httpx.HTTPError:
            return False

    def look(self) -> list[psutil.Process]:
        """Every process now under run_vigil, plus the Redis server it started; remembered."""
        found = psutil.Process(self.process.pid).children(recursive=True)
        found += [p for p in psutil.process_iter(["cmdline"]) if self._is_our_redis(p)]
        for process in found:
            self.seen.setdefault(process.pid, process)
        return found

    def _is_our_redis(self, process: psutil.Process) -> bool:
        socket_path = self.channels_url.removeprefix("unix://")
        return any(socket_path in part for part in process.info["cmdline"] or [])

    @property
    def channels_url(self) -> str:
        console = next(p for p in self.look_children() if "daphne" in p.cmdline())
        return console.environ()["VIGIL_CHANNELS_URL"]

    def look_children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def cluster(self, not_this: int | None = None) -> tuple[psutil.Process, psutil.Process] | None:
        """(qcluster command, its sentinel) once the sentinel has its worker, monitor and
        pusher."""
        for command in self.look_children():
            if "qcluster" in command.cmdline() and command.pid != not_this:
                sentinels = command.children()
                if sentinels and len(sentinels[0].children()) >= 3:
                    self.look()
                    return command, sentinels[0]
        return None

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.look()
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def left_behind(self) -> list[psutil.Process]:
        return [process for process in self.seen.values() if alive(process)]

    def clean_up(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for process in self.left_behind():
            process.kill()


@pytest.fixture
def start_vigil(tmp_path):
    started = []

    def start(**env: str) -> Vigil:
        vigil = Vigil(tmp_path, env)
        started.append(vigil)
        wait_for("the console", vigil.serving, timeout=START_TIMEOUT_S, log=vigil.log)
        return vigil

    yield start
    for vigil in started:
        vigil.clean_up()


def test_a_killed_worker_is_started_again_and_the_console_keeps_serving(start_vigil):
    vigil = start_vigil()
    command, sentinel = wait_for("the task worker", vigil.cluster, log=vigil.log)
    old_cluster = [command, sentinel, *sentinel.children()]

    os.kill(sentinel.pid, signal.SIGKILL)

    assert vigil.serving()
    wait_for("the old cluster to be gone", lambda: not any(map(alive, old_cluster)))
    assert vigil.serving()
    new_command, new_sentinel = wait_for(
        "a new task worker", lambda: vigil.cluster(not_this=command.pid), log=vigil.log
    )
    assert f"Task worker (pid {command.pid}) stopped unexpectedly" in vigil.log.read_text()
    # The worker, restarted too, yields the cores to the console.
    console = next(p for p in vigil.look_children() if "daphne" in p.cmdline())
    assert console.nice() == 0
    workers = [new_command, new_sentinel, *new_sentinel.children()]
    assert {p.nice() for p in workers} == {settings.VIGIL_WORKER_NICENESS} != {0}

    # A customer opens a ticket in the console; the new worker runs the copilot task it queued.
    TeamFactory(name="Compute", slug="compute")
    portal = httpx.Client(base_url=vigil.url, timeout=10)
    portal.get("/support/")
    form = {
        "name": "Priya Raman",
        "email": "priya@example.com",
        "team": "compute",
        "subject": "Volume is full",
        "body": "How do I resize my volume?",
        "csrfmiddlewaretoken": portal.cookies["csrftoken"],
    }
    assert portal.post("/support/", data=form).status_code == 302
    decided = CopilotRun.objects.filter(message__ticket__subject="Volume is full")
    wait_for("the copilot's run", decided.exists, timeout=90, log=vigil.log)

    assert vigil.stop(signal.SIGINT) == 0
    assert vigil.left_behind() == []
    # A terminal a person can read: the banner and what went wrong, not a line per request,
    # task or login.
    log = vigil.log.read_text()
    assert "Below: warnings and errors (VERBOSE=1 make run: all)." in log
    for chatter in ('"GET /login/"', '"POST /support/"', "Enqueued", "AXES: BEGIN", "[Q] INFO"):
        assert chatter not in log, chatter


def test_the_worker_runs_at_the_niceness_asked(settings):
    from vigil_site.management.commands.run_vigil import Command

    settings.VIGIL_WORKER_NICENESS = 7
    assert Command()._qcluster()[:3] == ["nice", "-n", "7"]
    settings.VIGIL_WORKER_NICENESS = 0
    assert Command()._qcluster()[0] == sys.executable


def test_verbose_asks_daphne_for_its_access_log():
    from vigil_site.management.commands.run_vigil import Command

    assert Command()._daphne("127.0.0.1", "8000", verbose=True)[-3:-1] == ["-v", "1"]
    assert Command()._daphne("127.0.0.1", "8000", verbose=False)[-3:-1] == ["-v", "0"]


def test_after_repeated_crashes_the_console_serves_on_and_nothing_outlives_it(start_vigil):
    team = TeamFactory(name="Compute", slug="compute")
    ticket = TicketFactory(team=team)
    browser = Client()
    browser.force_login(UserFactory(roles=["analyst"], teams=[team]))
    vigil = start_vigil(VIGIL_WORKER_MAX_CRASHES="1")
    _command, sentinel = wait_for("the task worker", vigil.cluster, log=vigil.log)

    os.kill(sentinel.pid, signal.SIGKILL)

    wait_for("giving up", lambda: "not starting it again" in vigil.log.read_text(), log=vigil.log)
    assert not any("qcluster" in p.cmdline() for p in vigil.look())
    panel = httpx.get(
        f"{vigil.url}/copilot/tickets/{ticket.pk}/panel/",
        cookies={"sessionid": browser.cookies["sessionid"].value},
    )
    assert panel.status_code == 200
    assert "The copilot is degraded" in panel.text

    assert vigil.stop(signal.SIGTERM) == 0
    assert vigil.left_behind() == []
    assert "Vigil stopped." in vigil.log.read_text()
