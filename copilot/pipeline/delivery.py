"""Delivering a spoken run: a suggestion in the analysts' panel, or a reply to the customer."""

import time

from ai import llm
from copilot import services
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.pipeline import llm_steps
from copilot.pipeline.state import RunState
from tickets import realtime
from tickets.models import Message

# How often, in streamed pieces, a newer customer message is looked for.
SUPERSEDE_CHECK_EVERY = 20
# After the first piece, pieces arriving within this many seconds travel as one event: each
# event is a channel-layer round trip from the worker, and a model writes a piece every few ms.
PIECE_INTERVAL = 0.05


def deliver(run: CopilotRun, state: RunState) -> Suggestion:
    """Create the suggestion. A streamed answer starts empty and is written by write_streamed."""
    suggestion = services.suggestion_create(
        run=run,
        kind=state.kind,
        text=state.text,
        label=state.label,
        score=state.score,
        why=state.why[:300],
    )
    if not state.streams:
        services.suggestion_complete(
            suggestion=suggestion, cited=state.cited, auto_send=_auto_send(state)
        )
    return suggestion


def _auto_send(state: RunState) -> bool:
    return (
        state.settings.mode == TeamCopilotSettings.Mode.AUTO
        and state.kind == CopilotRun.Kind.ANSWER
        and not state.explored  # shown to learn from the analysts, whatever the auto threshold
        and (state.score or 0.0) >= state.settings.auto_threshold
    )


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
        services.suggestion_stream_failed(suggestion=suggestion, error=str(exc))
        _save_stats(run, state, started)
        return
    services.suggestion_stream_written(
        suggestion=suggestion,
        text=text,
        superseded=stopped,
        cited=state.cited,
        auto_send=_auto_send(state),
    )
    _save_stats(run, state, started)


def _save_stats(run: CopilotRun, state: RunState, started: float) -> None:
    services.copilot_run_save_stats(
        run=run,
        llm_calls=state.llm_calls,
        tokens=state.tokens,
        model=state.model,
        latency_ms=(time.perf_counter() - started) * 1000,
    )
