"""The audit trail: every copilot decision and every curation decision, filtered."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet

from copilot.models import CopilotRun, Suggestion
from dashboards.scope import Scope
from dashboards.selectors.common import for_teams, in_range
from knowledge.models import KnowledgeRevision


@dataclass(frozen=True)
class RunFilters:
    decision: str = ""
    reason: str = ""


@dataclass(frozen=True)
class CurationFilters:
    kind: str = ""
    actor: str = ""


def audit_runs(scope: Scope, filters: RunFilters) -> QuerySet[CopilotRun]:
    """Copilot runs in the scope, newest first, with the entries each considered and cited."""
    considered = CopilotRun.considered.through.objects.filter(copilotrun_id=OuterRef("pk"))
    cited = Suggestion.citations.through.objects.filter(suggestion__run_id=OuterRef("pk"))
    runs = for_teams(in_range(CopilotRun.objects.all(), scope), scope, "ticket__team_id")
    if filters.decision:
        runs = runs.filter(decision=filters.decision)
    if filters.reason:
        runs = runs.filter(reason__icontains=filters.reason)
    return (
        runs.select_related("ticket__team")
        .annotate(
            considered_ids=ArraySubquery(considered.order_by("id").values("knowledgeentry_id")),
            cited_ids=ArraySubquery(cited.order_by("id").values("knowledgeentry_id")),
        )
        .order_by("-created_at", "-id")
    )


RUN_COLUMNS = [
    "Run",
    "When",
    "Ticket",
    "Team",
    "Decision",
    "Reason",
    "Kind",
    "Score",
    "Threshold",
    "Explored",
    "Considered",
    "Cited",
    "Engine",
    "Model",
    "LLM calls",
    "Tokens",
    "Latency (ms)",
]


RUN_FIELDS = [
    "pk",
    "created_at",
    "ticket_id",
    "ticket__team__name",
    "decision",
    "reason",
    "kind",
    "score",
    "threshold",
    "explored",
    "considered_ids",
    "cited_ids",
    "engine",
    "model",
    "llm_calls",
    "tokens",
    "latency_ms",
]
DECISIONS = dict(CopilotRun.Decision.choices)


def run_rows(runs: QuerySet[CopilotRun]) -> Iterator[list[Any]]:
    """Every run as a CSV row, read in chunks (plain values: an export may hold a year)."""

    def ids(values: list[int] | None) -> str:
        return " ".join(f"#{pk}" for pk in values or [])

    for (pk, at, ticket, team, decision, reason, kind, score, threshold, explored,
         considered, cited, engine, model, calls, tokens, latency) in runs.values_list(
        *RUN_FIELDS
    ).iterator(chunk_size=2000):  # fmt: skip
        yield [
            pk,
            at.isoformat(timespec="seconds"),
            f"#{ticket}",
            team,
            DECISIONS.get(decision, decision),
            reason,
            kind,
            None if score is None else round(score, 3),
            threshold,
            "yes" if explored else "",
            ids(considered),
            ids(cited),
            engine,
            model,
            calls,
            tokens,
            round(latency, 1),
        ]


def audit_curation(scope: Scope, filters: CurationFilters) -> QuerySet[KnowledgeRevision]:
    """Every change to knowledge in the scope's range, newest first: who decided what."""
    revisions = in_range(KnowledgeRevision.objects.all(), scope)
    if scope.team_ids is not None:
        revisions = revisions.filter(entry__team_id__in=scope.team_ids)
    if filters.kind:
        revisions = revisions.filter(kind=filters.kind)
    if filters.actor:
        revisions = revisions.filter(actor_name__icontains=filters.actor)
    return revisions.select_related("entry__team").order_by("-created_at", "-id")


CURATION_COLUMNS = [
    "When",
    "Entry",
    "Question",
    "Scope",
    "Change",
    "State",
    "By",
    "Note",
    "Ticket",
]


def curation_rows(revisions: QuerySet[KnowledgeRevision]) -> Iterator[list[Any]]:
    return (curation_row(revision) for revision in revisions.iterator(chunk_size=2000))


def curation_row(revision: KnowledgeRevision) -> list[Any]:
    return [
        revision.created_at.isoformat(timespec="seconds"),
        f"#{revision.entry_id}",
        revision.entry.question[:140],
        revision.entry.scope_label,
        revision.get_kind_display(),
        revision.get_state_display() if revision.state else "",
        revision.actor_name,
        revision.note,
        f"#{revision.ticket_id}" if revision.ticket_id else "",
    ]
