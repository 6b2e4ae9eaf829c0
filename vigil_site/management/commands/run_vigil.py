"""Run everything Vigil needs on one machine: migrations, the demo, daphne and the task worker.

The embedded database started by the settings belongs to this process; the children are given its
URL. The task worker is restarted when it crashes (see ``vigil_site.supervision``). Ctrl-C (or
SIGTERM) stops the children with everything they started, the embedded Redis, then this process,
and with it the database.
"""

import logging
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core import worker_status
from tickets import seeding
from vigil_site.embedded_redis import start_embedded_redis, stop_embedded_redis
from vigil_site.supervision import Child, RestartPolicy, Supervisor


class Command(BaseCommand):
    help = "Migrate, seed the demo once, and serve HTTP + websockets with the task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="do not start django-q2")
        parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
        parser.add_argument(
            "--verbose",
            action="store_true",
            default=settings.VIGIL_VERBOSE,
            help="log every request and task (default: the banner, warnings and errors)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = str(options["port"])
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise CommandError(f"PORT must be a TCP port number, got {port!r}.")
        if not options["verbose"] and "VIGIL_LOG_LEVEL" not in os.environ:
            # Seeding the demo queues tasks; a line for each is not for the terminal either.
            logging.getLogger().setLevel(logging.WARNING)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            # The demo's tickets among 60 days of history (seed_demo alone: without it).
            call_command("seed_demo_history")
        self._banner(options["host"], port, options["verbose"])
        env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}
        if not options["verbose"]:
            # A terminal a person can read: no line per request, task or login, unless asked.
            env.setdefault("VIGIL_LOG_LEVEL", "WARNING")
        redis = None
        if not settings.CHANNELS_URL:
            # Held by this process: the server stops when Vigil does.
            redis, env["VIGIL_CHANNELS_URL"] = start_embedded_redis(settings.DATA_DIR)
        worker_status.worker_status_clear()
        supervisor = Supervisor(
            console=Child("console", self._daphne(options["host"], port, options["verbose"]), env),
            worker=None if options["no_worker"] else Child("task worker", self._qcluster(), env),
            policy=RestartPolicy(max_crashes=settings.VIGIL_WORKER_MAX_CRASHES),
            on_give_up=lambda reason: worker_status.worker_given_up(reason=reason),
        )
        try:
            asked_to_stop = supervisor.run()
            self.stdout.write("Stopping Vigil…")
        finally:
            supervisor.stop()
            if redis is not None:
                stop_embedded_redis(redis)
            worker_status.worker_status_clear()
        if not asked_to_stop:
            raise CommandError("The console stopped unexpectedly; see the log above.")
        self.stdout.write("Vigil stopped.")

    def _daphne(self, host: str, port: str, verbose: bool) -> list[str]:
        return [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            host,
            "-p",
            port,
            # Verbosity 0: no access log line per request, only warnings and errors.
            "-v",
            "1" if verbose else "0",
            "vigil_site.asgi:application",
        ]

    def _qcluster(self) -> list[str]:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"]
        if settings.VIGIL_WORKER_NICENESS:
            # Below the console in the CPU's queue: when both want the cores, pages and
            # deliveries answer first and the copilot runs a little later.
            command = ["nice", "-n", str(settings.VIGIL_WORKER_NICENESS), *command]
        return command

    def _banner(self, host: str, port: str, verbose: bool) -> None:
        shown = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        lines = [
            "",
            f"  Vigil is starting on http://{shown}:{port}/",
            f"  Customer portal:    http://{shown}:{port}/support/",
            "  Demo accounts: " + ", ".join(seeding.DEMO_USERNAMES),
            f"  Password:      {settings.VIGIL_DEMO_PASSWORD}",
            "  Stop with Ctrl-C."
            + ("" if verbose else " Below: warnings and errors (VERBOSE=1 make run: all)."),
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
