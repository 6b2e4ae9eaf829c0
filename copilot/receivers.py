"""Listens to the tickets app: each customer message is queued for the copilot."""

from typing import Any

from django.dispatch import receiver

from copilot import services
from core.tasks import enqueue_recoverable
from tickets.models import Message
from tickets.signals import message_created


@receiver(message_created, dispatch_uid="copilot.on_message")
def on_message(sender: Any, message: Message, **kwargs: Any) -> None:
    if message.kind == Message.Kind.CUSTOMER:
        # Never in the request: the worker decides, the customer's message is already saved.
        # A task lost (the broker away, a worker killed) is queued again by queue_missed_runs.
        enqueue_recoverable("copilot.tasks.run_copilot", message.pk)
    elif message.kind == Message.Kind.ANALYST and not message.internal:
        services.resolve_inserted(message)
