"""The cluster under test: `make cluster`'s own code (vigil_site.cluster), run from here so that
the faults can reach its processes, with every process's output in one log file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

from vigil_site import cluster as production
from vigil_site import die_with_parent


@dataclass(frozen=True)
class Ports:
    postgres: int
    redis: int
    web: tuple[int, int]
    llm: int


class LoggedCluster(production.Cluster):
    """`make cluster`'s supervisor, writing every process's lines to one log file, with the
    processes a fault holds down left alone until the fault lets them go."""

    def __init__(self, log: IO[bytes]) -> None:
        super().__init__(verbose=False)
        self.log = log
        # Services a fault holds down: name -> when (time.monotonic()) to start it again.
        self.held: dict[str, float] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self, service: production.Service) -> None:
        child = service.child
        child.process = subprocess.Popen(  # noqa: S603  (our own commands)
            die_with_parent.wrap(child.command),
            env=child.env,
            process_group=0,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=production.BASE_DIR,
        )
        child.started_at, child.status = time.monotonic(), None

    def run(self) -> None:
        while not self.stopping:
            with self.lock:
                for service in self.services:
                    if service.name not in self.held:
                        service.watch(self.start)
                    elif time.monotonic() >= self.held[service.name]:
                        # Started from this thread: a child is stopped when the thread that
                        # started it ends (PR_SET_PDEATHSIG), and the faults' thread ends first.
                        del self.held[service.name]
                        self.start(service)
            time.sleep(production.POLL_S)

    def supervise_in_background(self) -> None:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def service(self, name: str) -> production.Service:
        return next(s for s in self.services if s.name == name)

    def kill(self, name: str, *, down_for: float | None = None) -> int:
        """SIGKILL the service's whole process group (as a machine that dies). With
        ``down_for``, it is started again that many seconds later; without, the supervisor
        restarts it as after any crash. Returns the killed leader's process id."""
        with self.lock:
            service = self.service(name)
            pid = service.child.pid
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            if down_for is not None:
                service.child.finish(time.monotonic() + 5)
                self.held[name] = time.monotonic() + down_for
        return pid

    def terminate(self, name: str) -> None:
        """SIGTERM the service (a clean restart): the supervisor starts it again."""
        with self.lock:
            self.service(name).child.terminate()

    def pids(self, prefix: str) -> dict[str, int]:
        return {
            s.name: s.child.pid
            for s in self.services
            if s.name.startswith(prefix) and s.child.process is not None
        }

    def shutdown(self) -> None:
        self.stopping = True
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.stop()


def start(data: Path, ports: Ports, log: IO[bytes], extra_env: dict[str, str]) -> tuple:
    """PostgreSQL and Redis as `make cluster` runs them, the database prepared (with the demo),
    then every Procfile line. Returns (cluster, database_url, redis_url, app env)."""
    if data.exists():
        shutil.rmtree(data)  # every run starts from a clean checkout's state
    for port in (ports.postgres, ports.redis, *ports.web):
        production.free_port(port)
    cluster = LoggedCluster(log)
    pg = production.postgres_command(data / "pgdata", ports.postgres)
    cluster.add("postgres", pg, dict(os.environ))
    database_url = f"postgresql://postgres@127.0.0.1:{ports.postgres}/{production.DATABASE_NAME}"
    production.wait_until(lambda: production.postgres_ready(database_url), "PostgreSQL")
    redis_cmd = production.redis_command(data / "redis", ports.redis, verbose=False)
    cluster.add("redis", redis_cmd, dict(os.environ))
    redis_url = f"redis://127.0.0.1:{ports.redis}/0"
    production.wait_until(lambda: production.redis_ready(redis_url), "Redis")
    env = production.app_environment(database_url, redis_url, verbose=False)
    env.update(extra_env)
    env["WEB1_PORT"], env["WEB2_PORT"] = (str(p) for p in ports.web)
    production.prepare(env, demo=True)
    for name, command in production.procfile_entries():
        cluster.add(name, ["/bin/sh", "-c", f"exec {command}"], env)
    cluster.supervise_in_background()
    return cluster, database_url, redis_url, env


def process_figures(pid: int, port: int) -> dict[str, float]:
    """A daphne process's resident memory (MB, with its children) and the websockets and other
    connections established on its port."""
    try:
        process = psutil.Process(pid)
        tree = [process, *process.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in tree if p.is_running())
        connections = [
            c
            for c in process.net_connections(kind="tcp")
            if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
        ]
    except psutil.Error:
        return {"rss_mb": 0.0, "connections": 0}
    return {"rss_mb": round(rss / 2**20, 1), "connections": len(connections)}


def start_llm_stub(port: int, latency_ms: float, log: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.loadtest.llm_stub", "--port", str(port)]
    command += ["--latency-ms", str(latency_ms)]
    return subprocess.Popen(  # noqa: S603
        die_with_parent.wrap(command),
        cwd=production.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
