"""What each outbound event says, as seen by one integration (None: not its business)."""

from typing import Any

from copilot.models import Suggestion
from integrations import selectors
from integrations.models import Integration
from knowledge.models import KnowledgeEntry
from tickets.models import Message, Ticket

Data = dict[str, Any]


def ticket_data(integration: Integration, ticket: Ticket) -> Data:
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Ticket.Priority(ticket.priority).label.lower(),
        "team": ticket.team.slug,
        "customer": {"name": ticket.customer.name, "email": ticket.customer.email},
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "conversation_id": selectors.conversation_id_for(integration, ticket),
    }


def ticket_created(integration: Integration, ticket: Ticket) -> Data | None:
    if not selectors.ticket_visible_to(integration, ticket):
        return None
    return {"ticket": ticket_data(integration, ticket)}


def ticket_status_changed(
    integration: Integration, ticket: Ticket, old_status: str, new_status: str
) -> Data | None:
    if not selectors.ticket_visible_to(integration, ticket):
        return None
    return {
        "ticket": ticket_data(integration, ticket),
        "old_status": old_status,
        "new_status": new_status,
    }


def suggestion_accepted(
    integration: Integration, suggestion: Suggestion, message: Message, edited: bool
) -> Data | None:
    ticket = suggestion.ticket
    if not selectors.ticket_visible_to(integration, ticket):
        return None
    return {
        "ticket": ticket_data(integration, ticket),
        "suggestion": {
            "id": suggestion.pk,
            "kind": suggestion.kind,
            "score": suggestion.score,
            "text": suggestion.text,
            "citations": sorted(suggestion.citations.values_list("pk", flat=True)),
        },
        "edited": edited,
        "message": {
            "id": message.pk,
            "author": message.author_name,
            "text": message.body,
            "created_at": message.created_at.isoformat(),
        },
    }


def knowledge_approved(integration: Integration, entry: KnowledgeEntry) -> Data | None:
    if not selectors.entry_visible_to(integration, entry):
        return None
    return {
        "entry": {
            "id": entry.pk,
            "external_id": entry.external_id,
            "question": entry.question,
            "answer": entry.answer,
            "tags": list(entry.tags),
            "team": entry.team.slug if entry.team else None,
            "source": entry.source,
        }
    }
