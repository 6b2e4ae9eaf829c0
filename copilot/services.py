"""What analysts do with suggestions. Each outcome is counted on the entries it cited."""

import difflib

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from copilot.models import Suggestion
from copilot.signals import suggestion_accepted
from knowledge import services as knowledge_services
from tickets import realtime
from tickets import services as ticket_services
from tickets.models import Message

State = Suggestion.State
OPEN_STATES = {State.SHOWN, State.INSERTED}
# Below this similarity to the suggestion, a sent reply counts as an edit of it.
SAME_TEXT = 0.97


class SuggestionError(Exception):
    """An action that cannot be taken; the message is fit to show."""


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
    ticket_id = suggestion.ticket_id
    transaction.on_commit(lambda: realtime.publish_copilot_changed(ticket_id))


def suggestion_send(*, suggestion: Suggestion, actor: User) -> Message:
    """Send the suggestion to the customer as the analyst's reply, unchanged."""
    _check_open(suggestion)
    with transaction.atomic():
        message, _ = ticket_services.message_create(
            ticket=suggestion.ticket,
            kind=Message.Kind.ANALYST,
            body=suggestion.text,
            author=actor,
            external_id=f"suggestion:{suggestion.pk}",
        )
        suggestion.sent_message = message
        _act(suggestion, State.SENT, actor, ("sent_message",))
        knowledge_services.entries_record_outcome(
            entry_ids=_cited(suggestion), outcome="accepted", actor=actor
        )
        _announce_accepted(suggestion, message, edited=False)
    return message


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

    An edited answer becomes a proposed revision of the entries the suggestion cited.
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
            ticket=message.ticket,
        )
        _announce_accepted(suggestion, message, edited=not same)
    return suggestion


def _announce_accepted(suggestion: Suggestion, message: Message, *, edited: bool) -> None:
    transaction.on_commit(
        lambda: suggestion_accepted.send(
            sender=Suggestion, suggestion=suggestion, message=message, edited=edited
        )
    )
