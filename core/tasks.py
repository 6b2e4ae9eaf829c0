"""Queueing a background task (django-q2) from a request without a second database connection."""

import logging
from typing import Any

from django.db import transaction
from django_q.conf import Conf
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def enqueue(func: str, *args: Any) -> str:
    """Queue ``func(*args)`` for the task worker; returns the task's id.

    With the database broker, django-q2 closes the caller's connection before it writes the task
    when no transaction is open (a pooled connection goes back to the pool, and another is taken
    for the insert): under load the request waits for the pool twice. Inside an atomic block it
    writes on the connection in hand, so the insert is wrapped in one. Tasks run inline (tests'
    ``sync``) are left outside it: their own commits must stay commits."""
    if Conf.ORM and not Conf.SYNC:
        with transaction.atomic(using=Conf.ORM):
            return str(async_task(func, *args))
    return str(async_task(func, *args))


def enqueue_recoverable(func: str, *args: Any) -> str | None:
    """Queue a task that a periodic sweep queues again when it never ran (a copilot run, a
    webhook delivery), after its data is committed: a broker that cannot be reached (Redis away
    for longer than its retries) is logged, and the request that saved the data answers as
    usual instead of failing after the commit. Returns the task's id, or None."""
    try:
        return enqueue(func, *args)
    except Exception:  # whatever the broker raises: the sweep queues it again
        logger.warning(
            "Could not queue %s%r; a sweep will queue it again.", func, args, exc_info=True
        )
        return None
