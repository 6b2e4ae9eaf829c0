"""The response clocks (first, then next) in the queue and on the ticket page."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tickets import services, sla
from tickets.models import Message, Ticket

QUEUE = reverse("tickets:queue")


@pytest.fixture
def hours(settings):
    settings.VIGIL_SLA_FIRST_RESPONSE_HOURS = {1: 48, 2: 24, 3: 8, 4: 2}
    settings.VIGIL_SLA_NEXT_RESPONSE_HOURS = {1: 48, 2: 12, 3: 8, 4: 4}


def aged(ticket, **ago):
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - dt.timedelta(**ago))
    ticket.refresh_from_db()
    return ticket


@pytest.mark.parametrize(
    ("priority", "ago", "state", "text"),
    [
        (2, {"hours": 1}, "ok", "due in 22 h"),
        (2, {"hours": 20}, "soon", "due in 3 h 59"),
        (4, {"minutes": 150}, "late", "overdue 30 min"),
        (1, {"hours": 1}, "ok", "due in 46 h"),
        (1, {"minutes": 10}, "ok", "due in 47 h"),
    ],
)
def test_the_clock_reads_as_time_left_or_overdue(hours, make_ticket, priority, ago, state, text):
    ticket = aged(make_ticket(subject="Clock", priority=priority), **ago)
    clock = sla.clock(ticket, now=timezone.now() + dt.timedelta(seconds=30))
    assert (clock.state, clock.text) == (state, text)


def test_the_clock_stops_at_the_first_answer_and_on_finished_tickets(
    hours, make_ticket, reply, analyst
):
    answered = make_ticket(subject="Answered")
    reply(answered, "Here you go")
    answered.refresh_from_db()
    assert sla.clock(answered).state == "met"
    closed = make_ticket(subject="Closed")
    services.ticket_change_status(ticket=closed, actor=analyst, status="closed")
    closed.refresh_from_db()
    assert sla.clock(closed).state == ""


def test_the_queue_shows_the_clock_and_sorts_by_what_is_due_first(
    hours, client, analyst, make_ticket, reply
):
    later = aged(make_ticket(subject="Normal, fresh", priority=2), hours=1)
    first = aged(make_ticket(subject="Urgent, overdue", priority=4), hours=3)
    answered = aged(make_ticket(subject="Answered already", priority=4), hours=5)
    reply(answered, "Done")
    client.force_login(analyst)
    page = client.get(QUEUE, {"sort": "due"}, headers={"HX-Request": "true"}).text
    order = [page.index(t.subject) for t in (first, later, answered)]
    assert order == sorted(order)
    assert "overdue 1 h 00" in page
    assert 'class="sla sla-late"' in page
    detail = client.get(reverse("tickets:detail", args=[first.pk])).text
    assert "overdue 1 h 00" in detail


def customer_writes(ticket, body, **ago):
    message, _ = services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body=body)
    if ago:
        at = timezone.now() - dt.timedelta(**ago)
        Message.objects.filter(pk=message.pk).update(created_at=at)
        Ticket.objects.filter(pk=ticket.pk, awaiting_reply_since=message.created_at).update(
            awaiting_reply_since=at
        )
    ticket.refresh_from_db()
    return message


def test_after_the_first_answer_a_customer_reply_starts_the_next_response_clock(
    hours, make_ticket, reply
):
    ticket = make_ticket(subject="Follow-up", priority=2)
    reply(ticket, "Try a restart.")
    ticket.refresh_from_db()
    assert ticket.awaiting_reply_since is None
    assert sla.clock(ticket).state == "met"

    customer_writes(ticket, "Restarted, still broken.", hours=10)
    customer_writes(ticket, "Any news?")  # the clock runs from the oldest unanswered message
    clock = sla.clock(ticket, now=timezone.now() + dt.timedelta(seconds=30))
    assert (clock.state, clock.text, clock.next_response) == ("soon", "reply due in 1 h 59", True)


def test_a_public_reply_stops_the_next_clock_and_a_note_does_not(hours, make_ticket, reply):
    ticket = make_ticket(subject="Follow-up", priority=4)
    reply(ticket, "Try a restart.")
    customer_writes(ticket, "Still broken.", hours=5)
    reply(ticket, "Looking into it with the platform team.", internal=True)
    ticket.refresh_from_db()
    assert sla.clock(ticket).text == "reply overdue 1 h 00"
    reply(ticket, "Fixed: the host was drained.")
    ticket.refresh_from_db()
    assert ticket.awaiting_reply_since is None
    assert sla.clock(ticket).state == "met"


def test_no_next_clock_while_the_ticket_waits_on_the_customer(hours, make_ticket, reply, analyst):
    ticket = make_ticket(subject="Waiting", priority=4)
    reply(ticket, "Which region?")
    customer_writes(ticket, "Let me check.", hours=6)
    services.ticket_change_status(ticket=ticket, actor=analyst, status="waiting")
    ticket.refresh_from_db()
    assert sla.clock(ticket).state == "met"


def test_the_queue_sorts_next_responses_due_with_first_ones(
    hours, client, analyst, make_ticket, reply
):
    fresh = aged(make_ticket(subject="New, first due in a day", priority=2), hours=1)
    followed_up = make_ticket(subject="Answered, customer waiting", priority=4)
    reply(followed_up, "Try this.")
    customer_writes(followed_up, "Did not help.", hours=3)
    done = make_ticket(subject="Answered, nothing waiting", priority=4)
    reply(done, "Done.")
    client.force_login(analyst)
    page = client.get(QUEUE, {"sort": "due"}, headers={"HX-Request": "true"}).text
    order = [page.index(t.subject) for t in (followed_up, fresh, done)]
    assert order == sorted(order)
    assert "reply due in 59 min" in page or "reply due in 1 h 00" in page
    assert 'title="Next response due' in page


def test_the_migration_gives_open_tickets_the_clock_their_messages_imply(make_ticket, reply, db):
    from importlib import import_module

    backfill = import_module("tickets.migrations.0010_ticket_awaiting_reply_since").BACKFILL
    waiting = make_ticket(subject="Customer wrote last")
    reply(waiting, "Try this.")
    later = customer_writes(waiting, "Did not help.")
    answered = make_ticket(subject="Team wrote last")
    reply(answered, "Done.")
    Ticket.objects.update(awaiting_reply_since=None)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert waiting.awaiting_reply_since == later.created_at
    assert answered.awaiting_reply_since is None
