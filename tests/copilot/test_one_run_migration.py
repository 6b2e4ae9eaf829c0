"""The migration that makes a message's run unique, over a database that already has repeats."""

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

BEFORE = [("copilot", "0011_threshold_is_a_probability")]
AFTER = [("copilot", "0012_one_run_per_message")]


def test_repeated_runs_and_drafts_are_told_apart_and_the_first_decision_stands():
    apps = migrate(BEFORE)
    Message = apps.get_model("tickets", "Message")
    CopilotRun = apps.get_model("copilot", "CopilotRun")
    now = timezone.now()
    ticket = historical_ticket(apps, now)
    message = Message.objects.create(
        ticket=ticket, kind="customer", author_name="Priya", body="Help?", created_at=now
    )
    run = {"ticket": ticket, "message": message, "reason": "r"}
    first = CopilotRun.objects.create(**run, decision="speak", kind="answer", threshold=0.5)
    repeat = CopilotRun.objects.create(**run, decision="silent", threshold=0.5)
    draft = CopilotRun.objects.create(**run, decision="speak", kind="status_update")

    apps = migrate(AFTER)

    triggers = dict(apps.get_model("copilot", "CopilotRun").objects.values_list("pk", "trigger"))
    assert triggers == {first.pk: "message", repeat.pk: "repeat", draft.pk: "request"}
