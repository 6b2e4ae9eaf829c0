"""Run everything Vigil needs on one machine: migrations, the demo, daphne and the task worker.

The embedded database started by the settings belongs to this process; the children are given its
URL. Ctrl-C (or SIGTERM) stops the children, then this process, and with it the database.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tickets import seeding
from vigil_site.embedded_redis import start_embedded_redis


class Command(BaseCommand):
    help = "Migrate, seed the demo once, and serve HTTP + websockets with the task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="do not start django-q2")
        parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        port = str(options["port"])
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise CommandError(f"PORT must be a TCP port number, got {port!r}.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("seed_demo")
            call_command("seed_knowledge_demo")
        self._banner(options["host"], port)
        env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}
        if not settings.CHANNELS_URL:
            # Held by this process: the server stops when Vigil does.
            self._redis, env["VIGIL_CHANNELS_URL"] = start_embedded_redis(settings.DATA_DIR)
        children = [self._daphne(options["host"], port, env)]
        if not options["no_worker"]:
            worker = [sys.executable, "manage.py", "qcluster"]
            children.append(subprocess.Popen(worker, env=env))  # noqa: S603
        self._supervise(children)

    def _daphne(self, host: str, port: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            host,
            "-p",
            port,
            "vigil_site.asgi:application",
        ]
        return subprocess.Popen(command, env=env)  # noqa: S603

    def _supervise(self, children: list[subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        # Closing the terminal (SIGHUP) must stop everything cleanly too, the servers included.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
        crashed = [child for child in children if child.poll() not in (None, 0)]
        self.stdout.write("Stopping Vigil…")
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if crashed and not stopping:
            raise CommandError("A Vigil process stopped unexpectedly; see the log above.")
        self.stdout.write("Vigil stopped.")

    def _banner(self, host: str, port: str) -> None:
        shown = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        lines = [
            "",
            f"  Vigil is starting on http://{shown}:{port}/",
            f"  Customer portal:    http://{shown}:{port}/support/",
            "  Demo accounts: " + ", ".join(seeding.DEMO_USERNAMES),
            f"  Password:      {settings.VIGIL_DEMO_PASSWORD}",
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
