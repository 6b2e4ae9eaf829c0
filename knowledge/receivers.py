"""Listens to the tickets app: a resolved ticket is queued for learning; a saved macro's
knowledge entry follows it."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.tasks import enqueue
from knowledge import macro_knowledge
from tickets.models import Macro, Ticket
from tickets.signals import ticket_status_changed


@receiver(ticket_status_changed, dispatch_uid="knowledge.learn_on_resolve")
def learn_when_resolved(sender: Any, ticket: Ticket, new_status: str, **kwargs: Any) -> None:
    if new_status == Ticket.Status.RESOLVED:
        enqueue("knowledge.tasks.learn_from_ticket", ticket.pk)


@receiver(post_save, sender=Macro, dispatch_uid="knowledge.macro_entry")
def macro_saved(sender: Any, instance: Macro, **kwargs: Any) -> None:
    # Once the macro is committed; removing a macro removes its entry (on_delete=CASCADE).
    macro_id = instance.pk
    transaction.on_commit(lambda: macro_knowledge.macro_entry_sync_after_commit(macro_id))
