"""The figures the dashboards show, as plain data: small frozen dataclasses of numbers,
strings and dates, turned into JSON by one function, ``to_json`` (the REST API exposes them
as they are)."""

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

Cell = str | int | float | None


@dataclass(frozen=True)
class Daily:
    """One value per day for each series: ``series[name][i]`` belongs to ``days[i]``; None
    where there is no value that day (a percentile of nothing)."""

    days: list[dt.date]
    series: dict[str, list[float | None]]


@dataclass(frozen=True)
class Count:
    label: str
    value: float


@dataclass(frozen=True)
class Table:
    """Rows for a page and its CSV download; ``links[i]`` is where row i's first cell leads."""

    columns: list[str]
    rows: list[list[Cell]]
    links: list[str] = dataclasses.field(default_factory=list)

    @property
    def linked_rows(self) -> list[tuple[str, list[Cell]]]:
        return [
            (self.links[i] if i < len(self.links) else "", row) for i, row in enumerate(self.rows)
        ]


@dataclass(frozen=True)
class Durations:
    count: int
    p50_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ResponseTimes:
    first_response: Durations
    resolution: Durations
    daily: Daily


@dataclass(frozen=True)
class SlaRow:
    priority: str
    hours: int
    tickets: int
    breached: int
    still_waiting: int


@dataclass(frozen=True)
class NextReplies:
    """Customers' waits for a reply after the first response, begun in the range."""

    waits: int
    late: int  # answered after the next-response target, or unanswered past it
    rate: float | None


@dataclass(frozen=True)
class Sla:
    rows: list[SlaRow]
    tickets: int
    breached: int
    rate: float | None
    daily: Daily
    next_replies: NextReplies


@dataclass(frozen=True)
class TeamSatisfaction:
    team: str
    good: int
    bad: int
    share_good: float | None


@dataclass(frozen=True)
class Satisfaction:
    """Customers' ratings of resolved tickets given in the range, and their latest comments."""

    ratings: int
    good: int
    bad: int
    share_good: float | None
    teams: list[TeamSatisfaction]
    comments: Table


@dataclass(frozen=True)
class CopilotActivity:
    runs: int
    spoke: int
    silent: int
    explored: int
    silence_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    llm_calls: int
    tokens: int
    daily: Daily


@dataclass(frozen=True)
class Acceptance:
    suggestions: int
    states: list[Count]
    dismiss_reasons: list[Count]
    acceptance_rate: float | None
    auto_replies: int
    daily: Daily


@dataclass(frozen=True)
class TeamPrecision:
    team: str
    slug: str
    target: float
    right: int
    wrong: int
    precision: float | None
    explored: int

    @property
    def meets_target(self) -> bool | None:
        return None if self.precision is None else self.precision >= self.target


@dataclass(frozen=True)
class Silence:
    runs: int
    silent: int
    reasons: list[Count]


@dataclass(frozen=True)
class Cost:
    llm_calls: int
    tokens: int
    cost: float
    # Models whose price is unknown (their tokens are counted, not priced).
    unpriced_models: list[str]
    daily: Daily


@dataclass(frozen=True)
class KnowledgeGrowth:
    daily: Daily


@dataclass(frozen=True)
class KnowledgeMix:
    by_status: list[Count]
    by_source: list[Count]
    learned_in_range: int
    imported_in_range: int


@dataclass(frozen=True)
class CurationBacklog:
    proposed: int
    flagged: int
    pending_revisions: int
    age_p50_days: float | None
    oldest_days: float | None
    oldest_revision_days: float | None
    ages: list[Count]


def to_json(value: Any) -> str:
    """JSON for any of the dataclasses above (dates as ISO 8601)."""
    return json.dumps(plain(value), ensure_ascii=False)


def plain(value: Any) -> Any:
    """Dataclasses, dicts, lists and dates as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
