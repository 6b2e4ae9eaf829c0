"""Reads for the copilot panel. Callers load the ticket through tickets.selectors first."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, QuerySet, When
from django.utils import timezone

from copilot.models import CopilotRun, Suggestion
from tickets.models import Message, Ticket


@dataclass(frozen=True)
class Panel:
    open: list[Suggestion]
    done: list[Suggestion]
    silent: list[CopilotRun]
    silent_count: int
    failed: CopilotRun | None  # the latest run, when it failed


def messages_missing_a_run(*, older_than: dt.timedelta, limit: int = 500) -> list[int]:
    """Customer messages of the last day saved more than ``older_than`` ago that have no run
    yet: their task was lost (the broker was away when it was queued, or the worker holding it
    was killed). Imported conversations never get runs."""
    now = timezone.now()
    decided = CopilotRun.objects.filter(message=OuterRef("pk"), trigger=CopilotRun.Trigger.MESSAGE)
    missing = (
        Message.objects.filter(
            kind=Message.Kind.CUSTOMER,
            created_at__gte=now - dt.timedelta(days=1),
            created_at__lte=now - older_than,
            ticket__import_id__isnull=True,
        )
        .exclude(Exists(decided))
        .order_by("created_at", "pk")
    )
    return list(missing.values_list("pk", flat=True)[:limit])


def run_for_message(message: Message) -> CopilotRun | None:
    """The decision recorded on a customer message, if it was decided."""
    return CopilotRun.objects.filter(message=message, trigger=CopilotRun.Trigger.MESSAGE).first()


def suggestion_for_ticket(ticket: Ticket, suggestion_id: int) -> Suggestion | None:
    return Suggestion.objects.filter(ticket=ticket, pk=suggestion_id).first()


def _with_citations(suggestions: QuerySet) -> QuerySet:
    return suggestions.prefetch_related("citations__macro").select_related("acted_by", "run")


def panel_for(ticket: Ticket) -> Panel:
    suggestions = _with_citations(Suggestion.objects.filter(ticket=ticket))
    open_states = [Suggestion.State.SHOWN, Suggestion.State.INSERTED]
    silent = CopilotRun.objects.filter(ticket=ticket, decision=CopilotRun.Decision.SILENT)
    latest = CopilotRun.objects.filter(ticket=ticket).first()
    return Panel(
        # A real answer first: a status update only says we are on it.
        open=list(
            suggestions.filter(state__in=open_states).order_by(
                Case(When(kind=CopilotRun.Kind.STATUS_UPDATE, then=1), default=0),
                "-created_at",
                "-id",
            )[:3]
        ),
        done=list(suggestions.exclude(state__in=open_states)[:5]),
        silent=list(silent.select_related("message")[:10]),
        silent_count=silent.count(),
        failed=latest if latest is not None and latest.error else None,
    )


def suggestions_for_ticket(ticket: Ticket) -> QuerySet[Suggestion]:
    """Every suggestion on the ticket, newest first, with its citations."""
    return _with_citations(Suggestion.objects.filter(ticket=ticket)).order_by("-created_at", "-id")


def edit_first(suggestions: list[Suggestion], *, send_level: float) -> set[int]:
    """The answers an analyst should edit rather than send as is: those less likely right
    than ``send_level`` (the team's auto threshold, where it trusts the copilot alone), or
    not scored at all. A status update makes no claim to be right and is not among them."""
    return {
        s.pk
        for s in suggestions
        if s.kind == CopilotRun.Kind.ANSWER and (s.score is None or s.score < send_level)
    }
