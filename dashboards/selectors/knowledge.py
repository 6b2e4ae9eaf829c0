"""Knowledge figures: growth, status and source, curation backlog, the most used entries and
macros."""

import datetime as dt
from collections import defaultdict
from itertools import accumulate
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from copilot.calibration import RIGHT
from copilot.models import Suggestion
from dashboards.aggregates import Percentile, seconds_between
from dashboards.data import Count as Counted
from dashboards.data import CurationBacklog, Daily, KnowledgeGrowth, KnowledgeMix, Table
from dashboards.scope import Scope
from dashboards.selectors.common import per_day
from knowledge.models import KnowledgeEntry, KnowledgeRevision
from tickets.models import MacroUse

Status, Source = KnowledgeEntry.Status, KnowledgeEntry.Source
AGE_BUCKETS = [(1, "under a day"), (7, "1 to 7 days"), (30, "7 to 30 days"), (None, "over 30 days")]


def _entries(scope: Scope) -> QuerySet[KnowledgeEntry]:
    """Entries that serve the scope's teams: theirs and those for all teams."""
    entries = KnowledgeEntry.objects.order_by()
    if scope.team_ids is None:
        return entries
    return entries.filter(Q(team_id__in=scope.team_ids) | Q(team__isnull=True))


def _cumulative(scope: Scope, rows: dict[dt.date, float]) -> list[float | None]:
    """Totals at the end of each day; rows dated before the range count from its first day."""
    before = sum(n for day, n in rows.items() if day < scope.start)
    daily = per_day(scope, ((d, n) for d, n in rows.items() if d >= scope.start))
    totals: list[float | None] = [
        float(n) for n in accumulate((v or 0 for v in daily), initial=before)
    ]
    return totals[1:]


def knowledge_growth(scope: Scope) -> KnowledgeGrowth:
    """How many entries existed at the end of each day, all and learned, and how many of today's
    approved entries had been approved by then (two queries)."""
    # Everything older than the range falls on the day before it: one row, the starting total.
    floor = Value(scope.start - dt.timedelta(days=1))
    created = (
        _entries(scope)
        .filter(created_at__lt=scope.until)
        .annotate(day=Greatest(TruncDate("created_at"), floor))
        .values("day", "source")
        .annotate(n=Count("id"))
        .values_list("day", "source", "n")
    )
    approved_on = Coalesce("reviewed_at", "created_at")
    approved = (
        _entries(scope)
        .filter(status=Status.APPROVED)
        .annotate(at=approved_on)
        .filter(at__lt=scope.until)
        .annotate(day=Greatest(TruncDate("at"), floor))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    everything: dict[dt.date, float] = defaultdict(float)
    learned: dict[dt.date, float] = defaultdict(float)
    for day, source, n in created:
        everything[day] += n
        if source == Source.LEARNED:
            learned[day] += n
    return KnowledgeGrowth(
        daily=Daily(
            days=scope.days,
            series={
                "all entries": _cumulative(scope, everything),
                "learned": _cumulative(scope, learned),
                "approved": _cumulative(scope, dict(approved)),
            },
        )
    )


def knowledge_mix(scope: Scope) -> KnowledgeMix:
    """Entries by status and by source now, and how many were learned or imported in the range
    (one query)."""
    in_range = Q(created_at__gte=scope.since, created_at__lt=scope.until)
    rows = list(
        _entries(scope)
        .values("status", "source")
        .annotate(n=Count("id"), recent=Count("id", filter=in_range))
        .values_list("status", "source", "n", "recent")
    )
    statuses: dict[str, float] = defaultdict(float)
    sources: dict[str, float] = defaultdict(float)
    recent: dict[str, int] = defaultdict(int)
    for status, source, n, new in rows:
        statuses[status] += n
        sources[source] += n
        recent[source] += new
    return KnowledgeMix(
        by_status=[Counted(Status(s).label, statuses[s]) for s in Status.values],
        by_source=[Counted(Source(s).label, sources[s]) for s in Source.values],
        learned_in_range=recent[Source.LEARNED],
        imported_in_range=recent[Source.IMPORTED],
    )


def knowledge_curation(scope: Scope) -> CurationBacklog:
    """Proposed entries and proposed revisions waiting for a curator, and how long they have
    waited (two queries). A backlog is as of now, whatever the date range."""
    now = timezone.now()
    age = seconds_between("created_at", "now")
    buckets: dict[str, Any] = {}
    lower = 0
    for index, (days, _) in enumerate(AGE_BUCKETS):
        window = Q(created_at__lte=now - dt.timedelta(days=lower))
        if days is not None:
            window &= Q(created_at__gt=now - dt.timedelta(days=days))
        buckets[f"age{index}"] = Count("id", filter=window)
        lower = days or lower
    entries = (
        _entries(scope)
        .filter(status=Status.PROPOSED)
        .annotate(now=Value(now))
        .aggregate(
            proposed=Count("id"),
            flagged=Count("id", filter=Q(flagged=True)),
            p50=Percentile(age, 0.5),
            oldest=Max(age),
            **buckets,
        )
    )
    revisions = (
        KnowledgeRevision.objects.order_by()
        .filter(state=KnowledgeRevision.State.PENDING, entry__in=_entries(scope))
        .annotate(now=Value(now))
        .aggregate(pending=Count("id"), oldest=Max(age))
    )

    def in_days(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / 86400

    return CurationBacklog(
        proposed=entries["proposed"],
        flagged=entries["flagged"],
        pending_revisions=revisions["pending"],
        age_p50_days=in_days(entries["p50"]),
        oldest_days=in_days(entries["oldest"]),
        oldest_revision_days=in_days(revisions["oldest"]),
        ages=[Counted(label, entries[f"age{i}"]) for i, (_, label) in enumerate(AGE_BUCKETS)],
    )


def knowledge_usage(scope: Scope, *, order: str, limit: int = 10) -> Table:
    """The entries most cited by suggestions in the range (``order`` "cited"), or most often
    dismissed there ("dismissed"); one query, grouped over the citations of the range's
    suggestions only."""
    if order not in {"cited", "dismissed"}:
        raise ValueError(f"Unknown order {order!r}")
    citations = Suggestion.citations.through.objects.filter(
        suggestion__created_at__gte=scope.since, suggestion__created_at__lt=scope.until
    )
    if scope.team_ids is not None:
        citations = citations.filter(
            Q(knowledgeentry__team_id__in=scope.team_ids) | Q(knowledgeentry__team__isnull=True),
            suggestion__ticket__team_id__in=scope.team_ids,
        )
    state = "suggestion__state"
    rows = (
        citations.values(
            "knowledgeentry_id",
            "knowledgeentry__question",
            "knowledgeentry__status",
            "knowledgeentry__team__name",
        )
        .annotate(
            cited=Count("id"),
            sent=Count("id", filter=Q(**{f"{state}__in": RIGHT})),
            dismissed=Count("id", filter=Q(**{state: Suggestion.State.DISMISSED})),
        )
        .filter(**{f"{order}__gt": 0})
        .order_by(f"-{order}", "-cited", "knowledgeentry_id")[:limit]
    )
    table: list[list[Any]] = []
    links = []
    for row in rows:
        pk = row["knowledgeentry_id"]
        table.append(
            [
                f"#{pk}",
                row["knowledgeentry__question"][:140],
                row["knowledgeentry__team__name"] or "All teams",
                Status(row["knowledgeentry__status"]).label,
                row["cited"],
                row["sent"],
                row["dismissed"],
            ]
        )
        links.append(reverse("knowledge:detail", args=[pk]))
    columns = ["Entry", "Question", "Scope", "Status", "Cited", "Sent", "Dismissed"]
    return Table(columns=columns, rows=table, links=links)


def macro_usage(scope: Scope, *, limit: int = 10) -> Table:
    """The teams' macros most used in the range: replies sent with each, and by how many
    analysts. Personal macros are each analyst's own business and stay out."""
    uses = MacroUse.objects.filter(
        used_at__gte=scope.since, used_at__lt=scope.until, macro__team__isnull=False
    )
    if scope.team_ids is not None:
        uses = uses.filter(macro__team_id__in=scope.team_ids)
    rows = (
        uses.values("macro_id", "macro__name", "macro__team__name")
        .annotate(
            used=Count("id"),
            tickets=Count("ticket_id", distinct=True),
            analysts=Count("user_id", distinct=True),
            last=Max("used_at"),
        )
        .order_by("-used", "macro__name", "macro_id")[:limit]
    )
    table: list[list[Any]] = [
        [
            row["macro__name"],
            row["macro__team__name"],
            row["used"],
            row["tickets"],
            row["analysts"],
            timezone.localtime(row["last"]).strftime("%Y-%m-%d %H:%M"),
        ]
        for row in rows
    ]
    columns = ["Macro", "Team", "Replies", "Tickets", "Analysts", "Last used"]
    return Table(columns=columns, rows=table)
