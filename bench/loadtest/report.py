"""The load run's counts and figures, from what the clients recorded and what the database
holds; pure functions, so that the counting can be tested without a cluster."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PHASES = ("before", "during", "after")


@dataclass
class Post:
    """One message a client sent: the external id the server keeps it under, and its answer
    (None: no answer after every retry)."""

    key: str
    channel: str
    kind: str
    ticket: int
    sent_at: float
    status: int | None = None
    latency_ms: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and (200 <= self.status < 300 or self.status == 302)


@dataclass(frozen=True)
class Window:
    """When the faults began and ended (wall-clock seconds)."""

    start: float
    end: float

    def phase(self, at: float) -> str:
        if at < self.start:
            return "before"
        return "during" if at <= self.end else "after"


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def by_phase(samples: Iterable[tuple[float, float]], window: Window) -> dict[str, dict]:
    """p50/p95/p99 (ms) and count of (time, value) samples, split by the fault window."""
    split: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for at, value in samples:
        split[window.phase(at)].append(value)
    return {
        phase: {
            "n": len(values),
            **{f"p{p}": _round(percentile(values, p)) for p in (50, 95, 99)},
        }
        for phase, values in split.items()
    }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 1)


def count_messages(posts: list[Post], stored: Mapping[str, int]) -> dict[str, int]:
    """``stored`` holds, per external id, how many messages the database keeps under it.

    posted: distinct messages the clients sent; acknowledged: those the server answered with
    success; stored: those the database holds; lost: acknowledged but not stored; duplicated:
    copies beyond the first of any message."""
    keys = {post.key for post in posts}
    acked = {post.key for post in posts if post.acknowledged}
    return {
        "posted": len(keys),
        "acknowledged": len(acked),
        "stored": sum(1 for key in keys if stored.get(key, 0) > 0),
        "lost": sum(1 for key in acked if stored.get(key, 0) == 0),
        "duplicated": sum(max(0, stored.get(key, 0) - 1) for key in keys),
        "unanswered": len(keys - acked),
    }


def websocket_missing(
    expected: Iterable[tuple[set[int], set[int]]],
) -> tuple[int, int, int]:
    """(expected, delivered, missing) over every subscriber's (expected ids, delivered ids):
    delivered counts what it got pushed or fetched of what it should have."""
    total = delivered = 0
    for want, got in expected:
        total += len(want)
        delivered += len(want & got)
    return total, delivered, total - delivered


def copilot_missing(customer_messages: Iterable[int], with_run: set[int]) -> int:
    return sum(1 for message in customer_messages if message not in with_run)


def http_5xx(statuses: Mapping[str, int]) -> int:
    return sum(n for status, n in statuses.items() if status.isdigit() and int(status) >= 500)


def render(summary: dict) -> str:
    """The printed report: a few lines a person reads, then one JSON line."""
    lines = [
        "",
        "Load and fault run",
        f"  {summary['minutes']} min, {summary['clients']} clients, "
        f"{summary['sockets']} websockets asked; {summary['posts_per_s']} posts/s sustained",
        f"  posted {summary['posted']}, acknowledged {summary['acknowledged']}, stored "
        f"{summary['stored']}, lost {summary['lost']}, duplicated {summary['duplicated']}",
        f"  HTTP answers {summary['statuses']}; 5xx: {summary['http_5xx']}",
        f"  websockets: {summary['ws_delivered']} of {summary['ws_expected']} messages delivered "
        f"(pushed or fetched on catch-up), missing {summary['ws_missing']}; reconnects "
        f"{summary['ws_reconnects']}",
        f"  copilot: {summary['copilot_runs']} runs for {summary['customer_messages']} customer "
        f"messages, missing {summary['copilot_missing']} ({summary['copilot_decisions']})",
        f"  faults: {', '.join(summary['faults'])}",
    ]
    for name in ("post_ms", "delivery_ms", "first_bytes_ms"):
        parts = [
            f"{phase} p50/p95/p99 {_fmt(v['p50'])}/{_fmt(v['p95'])}/{_fmt(v['p99'])} (n={v['n']})"
            for phase, v in summary[name].items()
        ]
        lines.append(f"  {name}: " + "; ".join(parts))
    for name, figures in summary["daphne"].items():
        lines.append(
            f"  {name}: {figures['sockets']} open websockets (client side), "
            f"{figures['connections']} connections, {figures['rss_mb']} MB "
            f"(peak {figures['peak_rss_mb']} MB)"
        )
    return "\n".join(lines) + "\n" + json.dumps(summary, sort_keys=True)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
