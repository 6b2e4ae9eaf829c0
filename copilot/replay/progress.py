"""The progress lines ``replay --progress json`` prints, and a run kept up to date from them."""

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from copilot.models import ReplayRun

# Progress reaches the database at most this often; the detail page polls about as often.
SAVE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class ProgressEvent:
    kind: str  # "progress", "warning" or "done"
    conversations: int = 0
    total: int = 0
    messages: int = 0
    rate: float = 0.0
    line: int | None = None
    message: str = ""


def parse_progress_line(line: str) -> ProgressEvent | None:
    """One line of ``replay --progress json``; None for anything else (a stray print, a
    malformed or unknown event)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("event")
    try:
        if kind == "progress":
            return ProgressEvent(
                kind="progress",
                conversations=count(data["conversations"], strict=True),
                total=count(data["total"], strict=True),
                messages=count(data["messages"], strict=True),
                rate=rate(data.get("rate")),
            )
        if kind == "warning":
            number = data.get("line")
            return ProgressEvent(
                kind="warning",
                line=count(number, strict=True) if number is not None else None,
                message=str(data.get("message", ""))[:500],
            )
    except (KeyError, ValueError):
        return None
    if kind == "done":
        return ProgressEvent(kind="done")
    return None


def count(value: object, *, strict: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if strict:
        raise ValueError(f"not a count: {value!r}")
    return 0


def rate(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return max(0.0, float(value))
    return 0.0


class ProgressWriter:
    """Applies progress events to a run and saves them at most once per ``interval`` seconds
    (the first at once); ``flush`` saves what is left. Looks at the cancel flag as often."""

    FIELDS = ("conversations_done", "conversations_total", "messages_done", "rate", "warnings")

    def __init__(
        self,
        run: ReplayRun,
        *,
        interval: float = SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.interval = interval
        self.clock = clock
        self._saved_at: float | None = None
        self._checked_at: float | None = None
        self._cancelled = False
        self._dirty = False

    def apply(self, event: ProgressEvent) -> None:
        run = self.run
        if event.kind == "progress":
            run.conversations_done = event.conversations
            run.conversations_total = event.total
            run.messages_done = event.messages
            run.rate = event.rate
        elif event.kind == "warning":
            run.warnings = [*run.warnings, {"line": event.line, "message": event.message}]
        else:
            return
        self._dirty = True
        if self._saved_at is None or self.clock() - self._saved_at >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self._dirty:
            self.run.save(update_fields=list(self.FIELDS))
            self._saved_at = self.clock()
            self._dirty = False

    def cancel_requested(self) -> bool:
        now = self.clock()
        if not self._cancelled and (
            self._checked_at is None or now - self._checked_at >= self.interval
        ):
            self._checked_at = now
            self._cancelled = ReplayRun.objects.filter(
                pk=self.run.pk, cancel_requested=True
            ).exists()
        return self._cancelled
