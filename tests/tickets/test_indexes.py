"""Lookups that run on every request of their kind use an index, not a scan of every message."""

from django.db import connection
from django.utils import timezone

from tickets import selectors
from tickets.models import Message


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_message_is_found_by_its_idempotency_key_through_an_index(make_ticket):
    ticket = make_ticket(subject="Many messages")
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            body=f"message {n}",
            external_id=f"key-{n}",
            created_at=now,
            seq=n + 2,
            public_seq=n + 2,
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_message")
    # The query selectors.message_with_key runs (ordered by id, the first one).
    query = Message.objects.filter(external_id="key-1234").order_by("pk")[:1]
    found = plan(query)
    assert "message_external_id" in found, found
    assert selectors.message_with_key("key-1234").body == "message 1234"
