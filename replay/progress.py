"""The progress lines ``replay --progress json`` prints, read safely."""

import json
import math
from dataclasses import dataclass


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
