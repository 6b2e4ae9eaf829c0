"""Delivering a spoken run: a suggestion in the analysts' panel, or a reply to the customer."""

from typing import TYPE_CHECKING

from django.db import transaction

from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from knowledge import services as knowledge_services
from tickets import realtime
from tickets import services as ticket_services
from tickets.models import Message

if TYPE_CHECKING:
    from copilot.pipeline import RunState

COPILOT_NAME = "Vigil copilot"


def deliver(run: CopilotRun, state: "RunState") -> Suggestion:
    suggestion = Suggestion.objects.create(
        run=run,
        ticket=run.ticket,
        kind=state.kind,
        text=state.text,
        label=state.label,
        score=state.score,
        why=state.why[:300],
    )
    suggestion.citations.set(state.cited)
    knowledge_services.entries_record_suggested(state.cited)
    auto = (
        state.settings.mode == TeamCopilotSettings.Mode.AUTO
        and state.kind == CopilotRun.Kind.ANSWER
        and (state.score or 0.0) >= state.settings.auto_threshold
    )
    if auto:
        message, _ = ticket_services.message_create(
            ticket=run.ticket,
            kind=Message.Kind.COPILOT,
            body=state.text,
            author_name=COPILOT_NAME,
        )
        suggestion.state, suggestion.sent_message = Suggestion.State.AUTO_SENT, message
        suggestion.save(update_fields=["state", "sent_message"])
    ticket_id = run.ticket_id
    transaction.on_commit(lambda: realtime.publish_copilot_changed(ticket_id))
    return suggestion
