"""Lookups that run on every request of their kind use an index, not a scan of every message."""

from django.db import connection

from tickets.models import Message


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table too big to scan
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_message_is_found_by_its_idempotency_key_through_an_index(db):
    found = plan(Message.objects.filter(external_id="key-1").order_by("pk"))
    assert "message_external_id" in found, found
