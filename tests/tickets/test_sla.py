"""The first-response clock in the queue and on the ticket page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import services, sla
from tickets.models import Ticket

QUEUE = reverse("tickets:queue")


@pytest.fixture
def hours(settings):
    settings.VIGIL_SLA_FIRST_RESPONSE_HOURS = {1: 48, 2: 24, 3: 8, 4: 2}


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
