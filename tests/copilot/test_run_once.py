"""A customer message is decided once, and never answered once a newer one is there.

django-q2 hands a task out again when the worker that held it died before saying it was done,
so the copilot's task for one message may run twice, or on two workers at once.
"""

import itertools
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from ai import embedding
from copilot import pipeline, services, summary, tasks
from copilot.models import CopilotRun, Suggestion
from copilot.pipeline import steps
from tickets import services as ticket_services
from tickets.models import Message

SPEAK, SILENT = CopilotRun.Decision.SPEAK, CopilotRun.Decision.SILENT
QUESTION = "How do I resize my volume?"


def customer_says(ticket, body):
    message, _ = ticket_services.message_create(ticket=ticket, kind="customer", body=body)
    return message


def test_a_task_that_runs_again_leaves_one_decision_and_one_suggestion(small_kb, ticket):
    message = customer_says(ticket, QUESTION)
    first = tasks.run_copilot(message.pk)
    again = tasks.run_copilot(message.pk)

    assert again == first
    assert first.startswith("speak")
    assert CopilotRun.objects.filter(message=message).count() == 1
    assert Suggestion.objects.filter(run__message=message).count() == 1


def test_a_caller_wrongly_sure_a_message_is_new_still_gets_the_one_decision(small_kb, ticket):
    message = customer_says(ticket, QUESTION)
    first = pipeline.run(message)
    again = pipeline.run(message, fresh=True)  # not looked for: the constraint decides

    assert again == first
    assert CopilotRun.objects.filter(message=message).count() == 1
    assert Suggestion.objects.filter(run__message=message).count() == 1
    assert list(first.considered.all()) == list(again.considered.all())


def test_the_database_refuses_a_second_decision_on_a_message(ticket):
    message = ticket.messages.get()
    fields = {"ticket": ticket, "message": message, "decision": SILENT, "reason": "r"}
    CopilotRun.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        CopilotRun.objects.create(**fields)


def test_recording_a_decision_already_recorded_returns_it_and_writes_nothing(ticket):
    message = ticket.messages.get()
    fields = {"ticket": ticket, "message": message, "considered": [], "reason": "r"}
    first, created = services.copilot_run_create(**fields, decision=SILENT)
    again, created_again = services.copilot_run_create(**fields, decision=SPEAK)
    assert (created, created_again) == (True, False)
    assert again == first
    assert CopilotRun.objects.get().decision == SILENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_message_at_once_record_one_decision(small_kb, ticket, monkeypatch):
    message = customer_says(ticket, QUESTION)
    embedding.embed(["warm the model up before the threads share it"])
    # Both workers start deciding before either records a decision: only the database's
    # constraint can then keep the second out.
    both_started = threading.Barrier(2, timeout=30)
    calls = itertools.count()
    check = steps.check_still_current

    def starting_together(state):
        check(state)
        if next(calls) < 2:
            both_started.wait()

    monkeypatch.setattr(steps, "check_still_current", starting_together)
    results, errors = [], []

    def worker():
        try:
            results.append(pipeline.run(Message.objects.get(pk=message.pk)).pk)
        except Exception as exc:  # reported below, with the thread's own error
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2
    assert len(set(results)) == 1
    run = CopilotRun.objects.get(message=message)
    assert run.decision == SPEAK
    assert Suggestion.objects.filter(run__message=message).count() == 1


def test_a_status_update_asked_for_is_a_run_of_its_own(ticket):
    message = customer_says(ticket, "Thanks!")
    assert pipeline.run(message).decision == SILENT

    draft = summary.draft_status_update(ticket, reason="an analyst asked for a status update")

    assert draft is not None
    assert draft.run.message == message
    assert draft.run.trigger == CopilotRun.Trigger.REQUEST
    assert pipeline.run(message).decision == SILENT  # still the message's own decision


def test_a_task_run_again_after_a_newer_message_skips_itself_as_stale(small_kb, ticket):
    # The worker running the first message's task was killed before it recorded anything; by
    # the time the task is handed out again the customer wrote again.
    first = customer_says(ticket, QUESTION)
    newer = customer_says(ticket, "Or can I add a second volume instead?")
    tasks.run_copilot(newer.pk)

    assert tasks.run_copilot(first.pk) == "silent: superseded by a newer customer message"
    assert not Suggestion.objects.filter(run__message=first).exists()


def test_a_newer_message_saved_while_a_run_works_keeps_it_from_answering(
    small_kb, ticket, monkeypatch
):
    first = customer_says(ticket, QUESTION)

    def the_customer_writes_again(state):
        customer_says(ticket, "Actually, it is the boot volume. Does that change anything?")

    monkeypatch.setattr(
        steps, "STEPS", (*steps.STEPS[:3], the_customer_writes_again, *steps.STEPS[3:])
    )

    run = pipeline.run(first)

    assert (run.decision, run.reason) == (SILENT, "superseded by a newer customer message")
    assert not Suggestion.objects.filter(run=run).exists()
