"""Listens to tickets, copilot and knowledge: each event becomes deliveries to the endpoints
subscribed to it. None of those apps knows this one exists."""

from typing import Any

from django.dispatch import receiver

from copilot.models import Suggestion
from copilot.signals import suggestion_accepted
from integrations import payloads, services
from integrations.models import Event
from knowledge.models import KnowledgeEntry
from knowledge.signals import knowledge_approved
from tickets.models import Message, Ticket
from tickets.signals import ticket_created, ticket_status_changed


@receiver(ticket_created, dispatch_uid="integrations.ticket_created")
def on_ticket_created(sender: Any, ticket: Ticket, **kwargs: Any) -> None:
    services.deliveries_enqueue(
        event=Event.TICKET_CREATED,
        data_for=lambda integration: payloads.ticket_created(integration, ticket),
    )


@receiver(ticket_status_changed, dispatch_uid="integrations.ticket_status_changed")
def on_ticket_status_changed(
    sender: Any, ticket: Ticket, old_status: str, new_status: str, **kwargs: Any
) -> None:
    services.deliveries_enqueue(
        event=Event.TICKET_STATUS_CHANGED,
        data_for=lambda integration: payloads.ticket_status_changed(
            integration, ticket, old_status, new_status
        ),
    )


@receiver(suggestion_accepted, dispatch_uid="integrations.suggestion_accepted")
def on_suggestion_accepted(
    sender: Any, suggestion: Suggestion, message: Message, edited: bool, **kwargs: Any
) -> None:
    services.deliveries_enqueue(
        event=Event.SUGGESTION_ACCEPTED,
        data_for=lambda integration: payloads.suggestion_accepted(
            integration, suggestion, message, edited
        ),
    )


@receiver(knowledge_approved, dispatch_uid="integrations.knowledge_approved")
def on_knowledge_approved(sender: Any, entry: KnowledgeEntry, **kwargs: Any) -> None:
    services.deliveries_enqueue(
        event=Event.KNOWLEDGE_APPROVED,
        data_for=lambda integration: payloads.knowledge_approved(integration, entry),
    )
