import datetime as dt

import pytest
from django.utils import timezone

from copilot.models import TeamCopilotSettings
from copilot.pipeline.status import compose_status_update
from tickets import services
from tickets.models import Ticket

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _sla(settings):
    settings.VIGIL_SLA_FIRST_RESPONSE_HOURS = {1: 48, 2: 24, 3: 8, 4: 2}


def later(hours):
    return timezone.now() + hours * H


def test_it_tells_a_new_ticket_it_is_queued_and_when_we_write_next(ticket):
    assert compose_status_update(ticket, now=later(3)) == (
        "Hi Priya, thanks for your patience. Here is where your request about “VM will not boot” "
        "stands: you wrote to us 3 hours ago. It is in our queue and the next free analyst picks "
        "it up. You will hear from us here within 4 hours, sooner if we have news."
    )


def test_it_names_who_wrote_last_and_is_working_on_it(ticket, analyst, reply):
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    reply(ticket, "Please boot the previous kernel.")
    text = compose_status_update(ticket, now=later(2))
    assert (
        f"stands: {analyst.first_name} last wrote to you 2 hours ago and is working on it now."
        in text
    )
    assert f"{analyst.first_name} is working" not in text  # said once


def test_a_hand_over_to_another_team_is_what_happened_last(ticket, analyst, reply, other_team):
    reply(ticket, "Please boot the previous kernel.")
    analyst.teams.add(other_team)
    services.ticket_move(ticket=ticket, actor=analyst, team=other_team)
    text = compose_status_update(ticket, now=later(1))
    assert "stands: we passed it to our Billing team 1 hour ago." in text


def test_an_urgent_ticket_hears_from_us_before_its_first_response_clock_runs_out(
    ticket, analyst, team
):
    TeamCopilotSettings.objects.create(team=team, update_interval_minutes=240)
    services.ticket_set_priority(ticket=ticket, actor=analyst, priority=Ticket.Priority.URGENT)
    text = compose_status_update(ticket, now=later(0.5))
    assert "we raised its priority to urgent" in text
    assert "It is marked urgent, so it comes first." in text
    assert "You will hear from us here within an hour and a half, sooner if we have news." in text


def test_once_answered_the_update_interval_sets_when(ticket, analyst, reply, team):
    TeamCopilotSettings.objects.create(team=team, update_interval_minutes=60)
    services.ticket_set_priority(ticket=ticket, actor=analyst, priority=Ticket.Priority.URGENT)
    reply(ticket, "Please boot the previous kernel.")
    assert "within an hour," in compose_status_update(ticket, now=later(1.5))


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(10, "15 minutes"), (47, "45 minutes"), (75, "an hour"), (115, "an hour and a half")],
)
def test_it_says_how_long_as_a_person_would_never_longer_than_it_is(minutes, words):
    from copilot.pipeline.status import _duration

    assert _duration(dt.timedelta(minutes=minutes)) == words
    assert _duration(dt.timedelta(hours=4, minutes=50)) == "4 hours"


def test_waiting_on_the_customer_says_what_we_wait_for_and_promises_no_time(ticket, analyst, reply):
    reply(ticket, "Could you send the console log?")
    services.ticket_change_status(ticket=ticket, actor=analyst, status=Ticket.Status.WAITING)
    text = compose_status_update(ticket, now=later(1))
    assert "We are waiting for the details we asked you for" in text
    assert "You will hear from us" not in text
