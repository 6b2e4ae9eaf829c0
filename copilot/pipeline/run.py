"""The proactive pipeline: decide whether to speak about a customer message, and what to say.

Each step (``steps.STEPS``) is a small function over the run's state; any step may end the run
with a recorded reason by raising ``Silent``. Every run is stored, spoken or silent, with its
scores, the entries it considered, its engine, calls, tokens and latency. A message is decided
once, however often its task runs.
"""

import time

from django.db import transaction

from copilot import selectors, services
from copilot.models import CopilotRun, TeamCopilotSettings
from copilot.pipeline import delivery, llm_steps, steps
from copilot.pipeline.state import RunState, Silent
from tickets.models import Message, Ticket


def settings_for(ticket: Ticket) -> TeamCopilotSettings:
    """The team's settings, or the defaults; read with the ticket when it selected them."""
    try:
        return ticket.team.copilot_settings
    except TeamCopilotSettings.DoesNotExist:
        return TeamCopilotSettings(team=ticket.team)


def run(message: Message, *, fresh: bool = False) -> CopilotRun:
    """Decide on ``message`` and record the run; a spoken run gets a suggestion. A message
    already decided is not decided again: its recorded run is returned. ``fresh``: the caller
    has just written the message itself (a replay), so no decision on it can be recorded yet
    and none is looked for (the database's constraint still holds).

    The record also carries, unsaved, ``scored``: (entry, probability, features) of every
    candidate the local engine scored, best first (none for a run decided before).
    """
    recorded = None if fresh else selectors.run_for_message(message)
    if recorded is not None:  # its task ran again: a worker died before django-q2 heard back
        return _without_scores(recorded)
    started = time.perf_counter()
    ticket = Ticket.objects.select_related("team__copilot_settings", "customer").get(
        pk=message.ticket_id
    )
    state = RunState(message=message, ticket=ticket, settings=settings_for(ticket))
    state.engine = "llm" if llm_steps.enabled() else "local"
    decision, reason, error = CopilotRun.Decision.SPEAK, "", ""
    try:
        steps.check_still_current(state)
        for step in steps.STEPS:
            step(state)
        reason = state.why
    except Silent as silent:
        decision, reason = CopilotRun.Decision.SILENT, str(silent)
    except Exception as exc:  # the copilot degrades; the console never does
        decision, reason, error = CopilotRun.Decision.SILENT, "copilot error", repr(exc)[:2000]
    with transaction.atomic():
        if decision == CopilotRun.Decision.SPEAK and (stale := _superseded_meanwhile(state)):
            decision, reason = CopilotRun.Decision.SILENT, stale
        record, created = services.copilot_run_create(
            ticket=ticket,
            message=message,
            considered=[hit.entry.pk for hit in state.hits],
            decision=decision,
            reason=reason[:200],
            kind=state.kind if decision == CopilotRun.Decision.SPEAK else "",
            engine=state.engine,
            gate_probability=state.gate_probability,
            score=state.score,
            threshold=state.settings.threshold,
            query=state.query,
            model=state.model,
            llm_calls=state.llm_calls,
            tokens=state.tokens,
            error=error,
            latency_ms=(time.perf_counter() - started) * 1000,
            explored=state.explored and decision == CopilotRun.Decision.SPEAK,
            model_version=state.model_version,
            features=state.features,
        )
        if not created:  # another worker decided it meanwhile
            return _without_scores(record)
        if decision == CopilotRun.Decision.SPEAK:
            suggestion = delivery.deliver(record, state)
    if decision == CopilotRun.Decision.SPEAK and state.streams:
        delivery.write_streamed(record, suggestion, state, started)
    # Not stored: every candidate the local engine scored, for a replay to learn from.
    record.scored = [(c.entry, p, values) for c, p, values in state.scored]  # type: ignore[attr-defined]
    return record


def _superseded_meanwhile(state: RunState) -> str:
    """Why a run about to speak must not after all: a newer customer message, or an analyst's
    reply, saved while it worked. Messages are saved under the ticket's lock, so with the lock
    held every message saved before this run is recorded is seen here."""
    Ticket.objects.select_for_update().only("pk").get(pk=state.ticket.pk)
    try:
        steps.check_still_current(state)
    except Silent as silent:
        return str(silent)
    return ""


def _without_scores(record: CopilotRun) -> CopilotRun:
    record.scored = []  # type: ignore[attr-defined]
    return record
