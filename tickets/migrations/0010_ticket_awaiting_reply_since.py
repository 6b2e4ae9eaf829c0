from django.db import migrations, models

# Tickets still open get the clock their messages imply: the customer's oldest message after
# the last public analyst reply (none when the team had the last word).
BACKFILL = """
UPDATE tickets_ticket AS t SET awaiting_reply_since = (
    SELECT MIN(m.created_at) FROM tickets_message AS m
    WHERE m.ticket_id = t.id AND m.kind = 'customer' AND m.created_at > COALESCE(
        (SELECT MAX(r.created_at) FROM tickets_message AS r
         WHERE r.ticket_id = t.id AND r.kind = 'analyst' AND NOT r.internal),
        '-infinity'::timestamptz
    )
)
WHERE t.status IN ('new', 'open', 'waiting')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_message_external_id_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="awaiting_reply_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
