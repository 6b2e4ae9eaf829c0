"""Delivering a spoken run: a suggestion in the analysts' panel, or a reply to the customer."""

import time

from django.db import transaction

from ai import llm
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.pipeline import llm_steps
from copilot.pipeline.state import RunState
from knowledge import services as knowledge_services
from tickets import realtime
from tickets import services as ticket_services
from tickets.models import Message

COPILOT_NAME = "Vigil copilot"
# How often, in streamed pieces, a newer customer message is looked for.
SUPERSEDE_CHECK_EVERY = 20
# After the first piece, pieces arriving within this many seconds travel as one event: each
# event is a channel-layer round trip from the worker, and a model writes a piece every few ms.
PIECE_INTERVAL = 0.05


def deliver(run: CopilotRun, state: RunState) -> Suggestion:
    """Create the suggestion. A streamed answer starts empty and is written by write_streamed."""
    suggestion = Suggestion.objects.create(
        run=run,
        ticket=run.ticket,
        kind=state.kind,
        text=state.text,
        label=state.label,
        score=state.score,
        why=state.why[:300],
    )
    if not state.streams:
        _finish(suggestion, state)
    ticket_id = run.ticket_id
    transaction.on_commit(lambda: realtime.publish_copilot_changed(ticket_id))
    return suggestion


def _finish(suggestion: Suggestion, state: RunState) -> None:
    suggestion.citations.set(state.cited)
    knowledge_services.entries_record_suggested(state.cited)
    auto = (
        state.settings.mode == TeamCopilotSettings.Mode.AUTO
        and state.kind == CopilotRun.Kind.ANSWER
        and not state.explored  # shown to learn from the analysts, whatever the auto threshold
        and (state.score or 0.0) >= state.settings.auto_threshold
    )
    if auto:
        message, _ = ticket_services.message_create(
            ticket=suggestion.ticket,
            kind=Message.Kind.COPILOT,
            body=suggestion.text,
            author_name=COPILOT_NAME,
        )
        suggestion.state, suggestion.sent_message = Suggestion.State.AUTO_SENT, message
        suggestion.save(update_fields=["state", "sent_message"])


def _superseded(run: CopilotRun) -> bool:
    return (
        Message.objects.filter(
            ticket=run.ticket_id, kind=Message.Kind.CUSTOMER, created_at__gt=run.message.created_at
        )
        .exclude(pk=run.message_id)
        .exists()
    )


def write_streamed(
    run: CopilotRun, suggestion: Suggestion, state: RunState, started: float
) -> None:
    """Write the answer into the panel piece by piece, then keep it with its citations."""
    seen = 0
    stopped = False
    pending: list[str] = []
    sent_at = 0.0

    def publish() -> None:
        nonlocal sent_at
        if pending:
            realtime.publish_copilot_piece(run.ticket_id, suggestion.pk, "".join(pending))
            pending.clear()
        sent_at = time.monotonic()

    def on_piece(piece: str) -> bool:
        nonlocal seen, stopped
        seen += 1
        pending.append(piece)
        if seen == 1 or time.monotonic() - sent_at >= PIECE_INTERVAL:
            publish()
        if seen % SUPERSEDE_CHECK_EVERY == 0 and _superseded(run):
            stopped = True
            return False
        return True

    try:
        text = llm_steps.compose(state, on_piece)
        publish()
    except llm.LLMError as exc:
        with transaction.atomic():
            suggestion.delete()
            run.decision, run.kind, run.explored = CopilotRun.Decision.SILENT, "", False
            run.reason, run.error = "copilot error", str(exc)[:2000]
            _save_stats(run, state, started, ["decision", "kind", "explored", "reason", "error"])
        realtime.publish_copilot_changed(run.ticket_id)
        return
    with transaction.atomic():
        suggestion.text = text
        fields = ["text"]
        if stopped:
            suggestion.state = Suggestion.State.SUPERSEDED
            run.reason = "superseded by a newer customer message while writing"
            fields.append("state")
        suggestion.save(update_fields=fields)
        if not stopped:
            _finish(suggestion, state)
        _save_stats(run, state, started, ["reason"])
    realtime.publish_copilot_changed(run.ticket_id)


def _save_stats(run: CopilotRun, state: RunState, started: float, fields: list[str]) -> None:
    run.llm_calls, run.tokens, run.model = state.llm_calls, state.tokens, state.model
    run.latency_ms = (time.perf_counter() - started) * 1000
    run.save(update_fields=[*fields, "llm_calls", "tokens", "model", "latency_ms"])
