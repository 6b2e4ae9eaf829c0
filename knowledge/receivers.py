"""Listens to the tickets app: a resolved ticket is queued for learning."""

from typing import Any

from django.dispatch import receiver

from core.tasks import enqueue
from tickets.models import Ticket
from tickets.signals import ticket_status_changed


@receiver(ticket_status_changed, dispatch_uid="knowledge.learn_on_resolve")
def learn_when_resolved(sender: Any, ticket: Ticket, new_status: str, **kwargs: Any) -> None:
    if new_status == Ticket.Status.RESOLVED:
        enqueue("knowledge.tasks.learn_from_ticket", ticket.pk)
