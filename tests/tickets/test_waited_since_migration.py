"""The migration that keeps each next reply's wait, over replies saved before it."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.migrating import (  # noqa: F401  (back_to_the_latest: a fixture)
    back_to_the_latest,
    historical_ticket,
    migrate,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("back_to_the_latest"),
]

BEFORE = [("tickets", "0014_macro_copilot_offers")]
AFTER = [("tickets", "0015_message_waited_since")]


def test_replies_already_saved_get_the_wait_they_answered():
    apps = migrate(BEFORE)
    Message = apps.get_model("tickets", "Message")
    start = timezone.now() - dt.timedelta(days=1)
    ticket = historical_ticket(apps, start)

    def say(kind, minutes, internal=False):
        return Message.objects.create(
            ticket=ticket,
            kind=kind,
            internal=internal,
            author_name="x",
            body="text",
            created_at=start + dt.timedelta(minutes=minutes),
        )

    say("customer", 0)
    first = say("analyst", 10)  # the first response: no next-reply wait
    waited = say("customer", 20)
    say("customer", 25)
    say("analyst", 30, internal=True)  # a note answers nobody
    second = say("analyst", 40)
    third = say("analyst", 50)  # nothing asked since the last reply

    apps = migrate(AFTER)

    waits = dict(apps.get_model("tickets", "Message").objects.values_list("pk", "waited_since"))
    assert waits[first.pk] is None
    assert waits[second.pk] == waited.created_at
    assert waits[third.pk] is None
