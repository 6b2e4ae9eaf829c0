"""The processes `run_vigil` starts, and how it looks after them.

Each process runs in a process group of its own. Stopping one stops the whole group, so nothing
it started outlives it: a django-q2 cluster is three levels of processes (the command, its
sentinel, and the workers, monitor and pusher the sentinel forks), and when the sentinel is
killed the processes under it would otherwise run on as orphans.

The console (daphne) is what people use: if it exits, Vigil stops. The task worker runs
background work (the copilot among it): if it crashes it is started again after a pause, and
after repeated fast crashes it is left stopped while the console keeps serving.
"""

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from vigil_site import die_with_parent

logger = logging.getLogger(__name__)

# How often the supervisor looks at its processes.
POLL_S = 0.3


class Child:
    """A command run as the leader of its own process group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.status: int | None = None  # once finished: the leader's, the group killed

    @property
    def pid(self) -> int:
        assert self.process is not None  # noqa: S101  (started)
        return self.process.pid

    def start(self) -> None:
        # Stopped by the kernel if this process dies without stopping it (SIGKILL).
        command = die_with_parent.wrap(self.command)
        self.process = subprocess.Popen(command, env=self.env, process_group=0)  # noqa: S603
        self.started_at, self.status = time.monotonic(), None

    def exited(self) -> bool:
        """Whether the leader has exited. It is not reaped here: until it is, its process id,
        which is also the group's id, cannot be given to another process."""
        if self.process is None or self.status is not None:
            return True
        if not hasattr(os, "waitid"):  # not on every Unix: reaped at once there
            return self.process.poll() is not None
        info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return info is not None and info.si_pid == self.pid

    def terminate(self) -> None:
        """Ask the leader to stop; daphne and qcluster then stop what they started."""
        if not self.exited():
            self.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]

    def finish(self, deadline: float) -> int:
        """Wait for the leader until ``deadline``, kill whatever is left of the group, and
        return the leader's exit status (negative: the signal that ended it)."""
        assert self.process is not None  # noqa: S101  (started)
        if self.status is not None:
            return self.status  # finished before: its group id may be another's now
        while not self.exited() and time.monotonic() < deadline:
            time.sleep(0.1)
        with suppress(ProcessLookupError):  # the whole group had already gone
            os.killpg(self.pid, signal.SIGKILL)
        self.status = self.process.wait()
        return self.status


def describe_exit(status: int) -> str:
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


@dataclass
class RestartPolicy:
    """When a crashed task worker is started again: after a pause that doubles with each fast
    crash in a row (one within ``stable_after`` seconds of its start), and not at all once
    ``max_crashes`` fast crashes came in a row. A crash after a stable run starts afresh."""

    max_crashes: int = 5
    stable_after: float = 60.0
    first_pause: float = 1.0
    max_pause: float = 30.0
    crashes: int = 0

    def after_crash(self, ran_for: float) -> float | None:
        """The pause before the next start, or None to give up."""
        self.crashes = self.crashes + 1 if ran_for < self.stable_after else 0
        if self.crashes >= self.max_crashes:
            return None
        return min(self.first_pause * 2 ** max(0, self.crashes - 1), self.max_pause)


class Supervisor:
    """Runs the console and the task worker until a stop signal or the console's exit."""

    def __init__(
        self,
        console: Child,
        worker: Child | None,
        policy: RestartPolicy,
        on_give_up: Callable[[str], None],
    ) -> None:
        self.console, self.worker, self.policy = console, worker, policy
        self.on_give_up = on_give_up
        self.stopping = False
        self.restart_at: float | None = None

    def run(self) -> bool:
        """True when asked to stop, False when the console stopped by itself."""
        # Closing the terminal (SIGHUP) must stop everything cleanly too, the servers included.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._stop_signal)
        self.console.start()
        if self.worker is not None:
            self.worker.start()
        while not self.stopping:
            if self.console.exited():
                return False
            self._watch_worker()
            time.sleep(POLL_S)
        return True

    def stop(self, grace: float = 15.0) -> None:
        """Stop both, each with what it started: politely first, then by force after ``grace``
        seconds (a worker finishes the task in hand if it can)."""
        children = [c for c in (self.worker, self.console) if c is not None and c.process]
        for child in children:
            child.terminate()
        deadline = time.monotonic() + grace
        for child in children:
            status = child.finish(deadline)
            if child is self.console and not self.stopping:
                logger.error("The console stopped unexpectedly (%s).", describe_exit(status))

    def _stop_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _watch_worker(self) -> None:
        worker = self.worker
        if worker is None:
            return
        if self.restart_at is not None:
            if time.monotonic() >= self.restart_at:
                self.restart_at = None
                worker.start()
                logger.warning("Task worker started again (pid %s).", worker.pid)
            return
        if not worker.exited():
            return
        ran_for = time.monotonic() - worker.started_at
        pid, status = worker.pid, worker.finish(deadline=0)
        pause = self.policy.after_crash(ran_for)
        crashed = (
            f"Task worker (pid {pid}) stopped unexpectedly ({describe_exit(status)}, "
            f"{ran_for:.0f} s after it started); the tasks it held come back when django-q2's "
            "retry time has passed."
        )
        if pause is None:
            message = (
                f"{crashed} It crashed {self.policy.crashes} times in a row, each within "
                f"{self.policy.stable_after:.0f} s: not starting it again. The console keeps "
                "serving; the copilot and other background tasks are stopped until Vigil is "
                "restarted."
            )
            logger.error(message)
            self.worker = None
            self.on_give_up(message)
            return
        logger.warning("%s Starting it again in %.0f s.", crashed, pause)
        self.restart_at = time.monotonic() + pause
