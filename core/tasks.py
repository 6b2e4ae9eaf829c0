"""Queueing a background task (django-q2) from a request without a second database connection."""

from typing import Any

from django.db import transaction
from django_q.conf import Conf
from django_q.tasks import async_task


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
