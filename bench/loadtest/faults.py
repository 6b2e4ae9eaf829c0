"""The faults, on a schedule scaled to the run's length.

Over ``minutes`` of load, the faults fall between 20 % and 75 % of it: a task worker cluster is
killed (SIGKILL, the whole process group) and started again 10 s later, twice; a web process is
killed once and left to the supervisor (its clients reconnect); the LLM stub answers 503 for a
window (2 minutes, or a fifth of a shorter run); Redis is stopped and started again once."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

WORKER_DOWN_S = 10.0
LLM_DOWN_MAX_S = 120.0


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the load began
    name: str
    lasts: float = 0.0


def schedule(minutes: float) -> list[Fault]:
    total = minutes * 60
    llm_down = min(LLM_DOWN_MAX_S, total / 5)
    return [
        Fault(0.20 * total, "kill -9 worker1", WORKER_DOWN_S),
        Fault(0.30 * total, "kill -9 web2"),
        Fault(0.40 * total, "LLM stub down", llm_down),
        Fault(0.55 * total, "restart redis"),
        Fault(0.65 * total, "kill -9 worker2", WORKER_DOWN_S),
    ]


def window(faults: list[Fault]) -> tuple[float, float]:
    """When the first fault begins and the last one is over (seconds after the start)."""
    return min(f.at for f in faults), max(f.at + f.lasts for f in faults)


def llm_switch(port: int, **changes: object) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/control",
        data=json.dumps(changes).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        return json.loads(answer.read())


def run(
    faults: list[Fault],
    started: float,
    cluster: object,
    llm_port: int,
    stopped: Callable[[], bool],
    log: Callable[[str], None],
) -> None:
    """Apply each fault at its time (a thread of its own; ``started`` is time.monotonic())."""
    pending = sorted(
        [(f.at, f, "begin") for f in faults]
        + [(f.at + f.lasts, f, "end") for f in faults if f.lasts],
        key=lambda item: item[0],
    )
    for at, fault, edge in pending:
        while time.monotonic() - started < at:
            if stopped():
                return
            time.sleep(0.1)
        log(f"{at:6.1f} s  {fault.name}{' ends' if edge == 'end' else ''}")
        try:
            _apply(fault, edge, cluster, llm_port)
        except Exception as exc:  # one fault that could not be applied must not stop the others
            log(f"         could not apply it: {exc!r}")


def _apply(fault: Fault, edge: str, cluster: object, llm_port: int) -> None:
    name = fault.name
    if name.startswith("kill -9 worker"):
        if edge == "begin":  # the supervisor starts it again when it is over
            cluster.kill(name.removeprefix("kill -9 "), down_for=fault.lasts)  # type: ignore[attr-defined]
    elif name == "kill -9 web2":
        cluster.kill("web2")  # type: ignore[attr-defined]
    elif name == "LLM stub down":
        llm_switch(llm_port, down=edge == "begin")
    elif name == "restart redis":
        cluster.terminate("redis")  # type: ignore[attr-defined]
