"""A customer message whose copilot task was lost is queued again by a task every minute.

With Redis as the broker a task taken by a worker that is then killed is gone (django-q2's
Redis broker keeps no record of what it handed out), and one that could not be queued at all
(Redis away longer than its retries) never existed: the message is saved either way."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from copilot import selectors, tasks
from copilot.models import CopilotRun
from tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def saved_ago(seconds: float, **fields):
    """A customer message saved that long ago whose task never ran (made without the signal)."""
    return MessageFactory(created_at=timezone.now() - dt.timedelta(seconds=seconds), **fields)


def test_it_runs_the_copilot_for_a_message_left_without_a_run():
    message = saved_ago(120)

    assert tasks.queue_missed_runs() == 1

    run = CopilotRun.objects.get(message=message)
    assert run.trigger == CopilotRun.Trigger.MESSAGE


def test_it_leaves_a_message_whose_task_may_still_be_on_its_way(settings):
    settings.VIGIL_COPILOT_REQUEUE_AFTER_SECONDS = 30
    saved_ago(5)

    assert tasks.queue_missed_runs() == 0
    assert not CopilotRun.objects.exists()


def test_it_leaves_decided_messages_analysts_messages_and_imported_conversations():
    decided = saved_ago(120)
    CopilotRun.objects.create(ticket=decided.ticket, message=decided, decision="silent", reason="r")
    saved_ago(120, kind="analyst")
    saved_ago(120, ticket=TicketFactory(import_id="conv-1"))

    assert selectors.messages_missing_a_run(older_than=dt.timedelta(seconds=30)) == []


def test_it_looks_back_one_day_only():
    saved_ago(2 * 86_400)

    assert tasks.queue_missed_runs() == 0


def test_a_migration_schedules_it_every_minute():
    schedule = Schedule.objects.get(func="copilot.tasks.queue_missed_runs")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
