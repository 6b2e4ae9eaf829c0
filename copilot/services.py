"""Writes of the copilot: the record of each run and the suggestion it made, and what analysts
do with suggestions (each outcome is counted on the entries it cited)."""

import difflib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from copilot import selectors
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.signals import suggestion_accepted
from knowledge import services as knowledge_services
from tickets import macro_services, realtime
from tickets import services as ticket_services
from tickets.models import Message, Ticket

State = Suggestion.State
OPEN_STATES = {State.SHOWN, State.INSERTED}
# Below this similarity to the suggestion, a sent reply counts as an edit of it.
SAME_TEXT = 0.97


COPILOT_NAME = "Vigil copilot"


class SuggestionError(Exception):
    """An action that cannot be taken; the message is fit to show."""


# --- Runs and the suggestions they make ---


def copilot_run_create(
    *, ticket: Ticket, message: Message, considered: list[int], **fields: Any
) -> tuple[CopilotRun, bool]:
    """Record the decision on a customer message, spoken or silent, with the entries it
    considered; returns (run, created).

    A message is decided once. When its decision is already recorded (its task was handed out
    again after a worker died, or two workers ran it at once), nothing is written and that run
    is returned: the database's constraint decides, not an earlier look.
    """
    try:
        with transaction.atomic():
            run = CopilotRun.objects.create(ticket=ticket, message=message, **fields)
    except IntegrityError:
        recorded = selectors.run_for_message(message)
        if recorded is None:
            raise
        return recorded, False
    run.considered.add(*considered)  # a run just created has none to replace
    return run, True


def copilot_run_save_stats(
    *,
    run: CopilotRun,
    llm_calls: int,
    tokens: int,
    model: str,
    latency_ms: float,
    fields: tuple[str, ...] = (),
) -> None:
    """Store what a run cost once its answer was written, with any other changed ``fields``."""
    run.llm_calls, run.tokens, run.model, run.latency_ms = llm_calls, tokens, model, latency_ms
    run.save(update_fields=[*fields, "llm_calls", "tokens", "model", "latency_ms"])


def suggestion_create(*, run: CopilotRun, **fields: Any) -> Suggestion:
    """A suggestion of ``run`` in the panel (a streamed answer starts empty)."""
    suggestion = Suggestion.objects.create(run=run, ticket=run.ticket, **fields)
    realtime.publish_copilot_changed(run.ticket_id)
    return suggestion


def suggestion_complete(*, suggestion: Suggestion, cited: list[int], auto_send: bool) -> None:
    """Cite the entries it was made from; in auto-reply, send it to the customer as the copilot."""
    suggestion.citations.set(cited)
    knowledge_services.entries_record_suggested(cited)
    if not auto_send:
        return
    message, _ = ticket_services.message_create(
        ticket=suggestion.ticket,
        kind=Message.Kind.COPILOT,
        body=suggestion.text,
        author_name=COPILOT_NAME,
        email=True,
    )
    suggestion.state, suggestion.sent_message = State.AUTO_SENT, message
    suggestion.save(update_fields=["state", "sent_message"])


def suggestion_stream_failed(*, suggestion: Suggestion, error: str) -> None:
    """The model failed while writing: the suggestion goes, the run is silent with the error."""
    run = suggestion.run
    with transaction.atomic():
        suggestion.delete()
        run.decision, run.kind, run.explored = CopilotRun.Decision.SILENT, "", False
        run.reason, run.error = "copilot error", error[:2000]
        run.save(update_fields=["decision", "kind", "explored", "reason", "error"])
    realtime.publish_copilot_changed(run.ticket_id)


def suggestion_stream_written(
    *, suggestion: Suggestion, text: str, superseded: bool, cited: list[int], auto_send: bool
) -> None:
    """Keep a streamed answer; one superseded while writing is kept but no longer offered."""
    with transaction.atomic():
        suggestion.text = text
        fields = ["text"]
        if superseded:
            suggestion.state = State.SUPERSEDED
            suggestion.run.reason = "superseded by a newer customer message while writing"
            suggestion.run.save(update_fields=["reason"])
            fields.append("state")
        suggestion.save(update_fields=fields)
        if not superseded:
            suggestion_complete(suggestion=suggestion, cited=cited, auto_send=auto_send)
    realtime.publish_copilot_changed(suggestion.ticket_id)


def status_update_draft_create(
    *, ticket: Ticket, message: Message, text: str, why: str
) -> Suggestion:
    """A status update drafted on request or for a waiting customer, as a run and a suggestion."""
    with transaction.atomic():
        run = CopilotRun.objects.create(
            ticket=ticket,
            message=message,
            trigger=CopilotRun.Trigger.REQUEST,
            decision=CopilotRun.Decision.SPEAK,
            reason=why,
            kind=CopilotRun.Kind.STATUS_UPDATE,
        )
        return suggestion_create(
            run=run, kind=CopilotRun.Kind.STATUS_UPDATE, text=text, label="Status update", why=why
        )


def team_settings_calibrated(
    *, settings: TeamCopilotSettings, threshold: float | None, note: str
) -> None:
    """Store a calibration: the new threshold when one was found, and always the note."""
    if threshold is not None:
        settings.threshold = round(threshold, 4)
    settings.calibrated_at = timezone.now()
    settings.calibration_note = note[:300]
    settings.save()


# --- What analysts do with suggestions ---


def _check_open(suggestion: Suggestion) -> None:
    if suggestion.state not in OPEN_STATES:
        raise SuggestionError(
            f"This suggestion was already {suggestion.get_state_display().lower()}."
        )


def _cited(suggestion: Suggestion) -> list[int]:
    return list(suggestion.citations.values_list("pk", flat=True))


def _act(suggestion: Suggestion, state: str, actor: User, fields: tuple[str, ...] = ()) -> None:
    suggestion.state, suggestion.acted_by, suggestion.acted_at = state, actor, timezone.now()
    suggestion.save(update_fields=["state", "acted_by", "acted_at", *fields])
    realtime.publish_copilot_changed(suggestion.ticket_id)


@dataclass(frozen=True)
class Sent:
    """The reply a suggestion became, and what its macros could not change (a status the
    ticket cannot move to), for the analyst to be told."""

    message: Message
    warnings: list[str]


def suggestion_send(*, suggestion: Suggestion, actor: User) -> Sent:
    """Send the suggestion to the customer as the analyst's reply, unchanged."""
    _check_open(suggestion)
    with transaction.atomic():
        message, _ = ticket_services.message_create(
            ticket=suggestion.ticket,
            kind=Message.Kind.ANALYST,
            body=suggestion.text,
            author=actor,
            external_id=f"suggestion:{suggestion.pk}",
            first_response=suggestion.kind != CopilotRun.Kind.STATUS_UPDATE,
            email=True,
        )
        suggestion.sent_message = message
        _act(suggestion, State.SENT, actor, ("sent_message",))
        knowledge_services.entries_record_outcome(
            entry_ids=_cited(suggestion), outcome="accepted", actor=actor
        )
        warnings = _apply_cited_macros(suggestion, message, actor)
        _announce_accepted(suggestion, message, edited=False)
    return Sent(message=message, warnings=warnings)


def suggestion_insert(*, suggestion: Suggestion, actor: User) -> Suggestion:
    """The analyst took the text into the reply box to edit it; resolved when they send."""
    _check_open(suggestion)
    _act(suggestion, State.INSERTED, actor)
    return suggestion


def suggestion_dismiss(*, suggestion: Suggestion, actor: User, reason: str) -> None:
    if reason not in Suggestion.DismissReason.values:
        raise SuggestionError("Choose why the suggestion is dismissed.")
    _check_open(suggestion)
    with transaction.atomic():
        suggestion.dismiss_reason = reason
        _act(suggestion, State.DISMISSED, actor, ("dismiss_reason",))
        knowledge_services.entries_record_outcome(
            entry_ids=_cited(suggestion), outcome="dismissed", actor=actor
        )


def resolve_inserted(message: Message) -> Suggestion | None:
    """An analyst's public reply after inserting a suggestion: sent as is, or edited.

    An edited answer becomes a proposed revision of the entries the suggestion cited. A status
    update sent unchanged is, like one sent from the panel, not the ticket's first response; an
    edited one is the analyst's own reply and counts.
    """
    suggestion = (
        Suggestion.objects.filter(
            ticket=message.ticket_id, state=State.INSERTED, acted_by=message.author_id
        )
        .order_by("-acted_at")
        .first()
    )
    if suggestion is None or message.author is None:
        return None
    same = difflib.SequenceMatcher(a=suggestion.text, b=message.body).ratio() >= SAME_TEXT
    with transaction.atomic():
        suggestion.sent_message = message
        _act(suggestion, State.SENT if same else State.EDITED, message.author, ("sent_message",))
        knowledge_services.entries_record_outcome(
            entry_ids=_cited(suggestion),
            outcome="accepted" if same else "edited",
            actor=message.author,
            edited_answer="" if same else message.body,
            offered=suggestion.text,
            ticket=message.ticket,
        )
        _apply_cited_macros(suggestion, message, message.author)
        _announce_accepted(suggestion, message, edited=not same)
    if same and suggestion.kind == CopilotRun.Kind.STATUS_UPDATE:
        ticket_services.ticket_first_response_withdraw(ticket=message.ticket, message=message)
    return suggestion


def _apply_cited_macros(suggestion: Suggestion, message: Message, actor: User) -> list[str]:
    """A reply sent from a suggestion that offered a team's macro was sent with that macro:
    its use is counted and its status, priority and tags applied, as from the reply box (the
    panel says so beside the suggestion). Applied once per reply, whichever way it came."""
    macros = [
        entry.macro
        for entry in suggestion.citations.select_related("macro").exclude(macro=None)
        if entry.macro is not None and entry.macro.team_id == suggestion.ticket.team_id
    ]
    if not macros:
        return []
    return macro_services.macros_apply(
        macros=macros, ticket=suggestion.ticket, actor=actor, message=message
    )


def _announce_accepted(suggestion: Suggestion, message: Message, *, edited: bool) -> None:
    transaction.on_commit(
        lambda: suggestion_accepted.send(
            sender=Suggestion, suggestion=suggestion, message=message, edited=edited
        )
    )
