"""Reads. Integrations see tickets and knowledge through their service user, like a person."""

import datetime as dt

from django.db.models import QuerySet

from integrations.models import (
    ConversationLink,
    Integration,
    Mailbox,
    WebhookDelivery,
    WebhookEndpoint,
)
from knowledge import selectors as knowledge_selectors
from knowledge.models import KnowledgeEntry
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


class IntegrationNotFound(Exception):
    """No integration with this slug, or it is switched off (the two are not told apart)."""


def integration_get_active(slug: str) -> Integration:
    """The active integration called ``slug``, with its service user (its team is read when a
    conversation opens a ticket: once per conversation, not once per message)."""
    integration = (
        Integration.objects.select_related("service_user").filter(slug=slug, active=True).first()
    )
    if integration is None:
        raise IntegrationNotFound(slug)
    return integration


def mailbox_get_active(slug: str) -> Mailbox | None:
    return Mailbox.objects.select_related("team").filter(slug=slug, active=True).first()


def conversation_ticket_id(integration: Integration, conversation_id: str) -> int | None:
    """The id of the ticket the conversation became, if it became one."""
    return (
        ConversationLink.objects.filter(integration=integration, external_id=conversation_id)
        .values_list("ticket_id", flat=True)
        .first()
    )


def conversation_id_for(integration: Integration, ticket: Ticket) -> str | None:
    """The integration's own id for the conversation a ticket came from, if it came from it."""
    return (
        ConversationLink.objects.filter(integration=integration, ticket=ticket)
        .values_list("external_id", flat=True)
        .first()
    )


def endpoints_for_event(event: str) -> QuerySet[WebhookEndpoint]:
    """Active endpoints of active integrations subscribed to ``event``."""
    return WebhookEndpoint.objects.filter(
        active=True, integration__active=True, events__contains=[event]
    ).select_related("integration__service_user", "integration__team")


def ticket_visible_to(integration: Integration, ticket: Ticket) -> bool:
    user = integration.service_user
    return ticket_selectors.tickets_for_user(user).filter(pk=ticket.pk).exists()


def entry_visible_to(integration: Integration, entry: KnowledgeEntry) -> bool:
    scope = knowledge_selectors.scope_for_user(integration.service_user)
    return knowledge_selectors.in_scope(scope).filter(pk=entry.pk).exists()


def deliveries_due(*, now: dt.datetime, limit: int) -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose next attempt is due, to endpoints that are switched on."""
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
        endpoint__active=True,
        endpoint__integration__active=True,
    ).order_by("next_attempt_at", "pk")[:limit]
