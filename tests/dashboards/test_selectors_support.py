import datetime as dt

import pytest

from dashboards.data import to_json
from dashboards.selectors import support


def day_values(daily, name):
    return {d: v for d, v in zip(daily.days, daily.series[name], strict=True) if v}


def test_it_counts_tickets_opened_and_resolved_per_day(dataset, analyst, scope_for):
    volume = support.support_volume(scope_for(analyst))
    d0 = dataset.day0.date()
    d1 = d0 + dt.timedelta(days=1)
    assert len(volume.days) == 30
    # Billing's ticket is not among the analyst's teams.
    assert day_values(volume, "opened") == {d0: 2, d1: 2}
    assert day_values(volume, "resolved") == {d0: 1, d1: 1}


def test_it_counts_every_team_for_a_manager(dataset, manager, scope_for):
    volume = support.support_volume(scope_for(manager))
    assert sum(volume.series["opened"]) == 5


def test_it_gives_the_backlog_by_status(dataset, analyst, scope_for):
    backlog = support.support_backlog(scope_for(analyst))
    assert [(c.label, c.value) for c in backlog] == [
        ("New", 1),
        ("Open", 1),
        ("Waiting on customer", 0),
    ]


def test_it_computes_response_and_resolution_percentiles(dataset, analyst, scope_for):
    times = support.support_times(scope_for(analyst))
    # First responses after 1, 3 and 30 hours (one ticket unanswered): p90 = 3 + 0.8 * 27.
    assert times.first_response.count == 3
    assert times.first_response.p50_hours == pytest.approx(3)
    assert times.first_response.p90_hours == pytest.approx(24.6)
    # Resolved after 10 and 20 hours.
    assert times.resolution.count == 2
    assert times.resolution.p50_hours == pytest.approx(15)
    assert times.resolution.p90_hours == pytest.approx(19)
    d0 = dataset.day0.date()
    assert day_values(times.daily, "first response p50 (h)") == {
        d0: pytest.approx(2),
        d0 + dt.timedelta(days=1): pytest.approx(30),
    }


def test_it_counts_sla_breaches_by_priority(dataset, analyst, scope_for):
    sla = support.support_sla(scope_for(analyst))
    rows = {r.priority: (r.hours, r.tickets, r.breached, r.still_waiting) for r in sla.rows}
    # Normal: answered after 1 h (in time) and 30 h (late); urgent: unanswered past 2 h.
    assert rows == {
        "Urgent": (2, 1, 1, 1),
        "High": (8, 1, 0, 0),
        "Normal": (24, 2, 1, 0),
        "Low": (48, 0, 0, 0),
    }
    assert (sla.tickets, sla.breached, sla.rate) == (4, 2, 0.5)
    assert day_values(sla.daily, "breached") == {dataset.day0.date() + dt.timedelta(days=1): 2}


def test_it_does_not_count_an_unanswered_ticket_before_its_deadline(team, analyst, scope_for):
    from django.utils import timezone

    from tests.dashboards.conftest import make_ticket

    make_ticket(team, timezone.now() - dt.timedelta(hours=3))  # normal: 24 h
    assert support.support_sla(scope_for(analyst)).breached == 0


def test_it_lists_tickets_waiting_on_us_longest_first(dataset, analyst, scope_for):
    table = support.support_waiting(scope_for(analyst))
    t3, t4 = dataset.tickets[2], dataset.tickets[3]
    assert [row[0] for row in table.rows] == [f"#{t4.pk}", f"#{t3.pk}"]
    assert table.links == [f"/tickets/{t4.pk}/", f"/tickets/{t3.pk}/"]
    assert table.columns[-1] == "Hours waiting"
    assert [row[6] for row in table.rows] == ["", ""]


def test_it_names_the_assignee_of_a_waiting_ticket(dataset, analyst, scope_for):
    t3 = dataset.tickets[2]
    t3.assignee = analyst
    t3.save()
    table = support.support_waiting(scope_for(analyst))
    assert table.rows[1][6] == analyst.get_full_name()


def test_it_scopes_to_one_team(dataset, manager, other_team, scope_for):
    sla = support.support_sla(scope_for(manager, team="billing"))
    assert (sla.tickets, sla.breached) == (1, 1)


def test_its_figures_are_plain_json(dataset, analyst, scope_for):
    text = to_json(support.support_sla(scope_for(analyst)))
    assert '"priority": "Urgent"' in text
    assert f'"{dataset.day0.date().isoformat()}"' in text


def test_it_sums_up_satisfaction_for_the_analysts_teams(dataset, analyst, scope_for):
    satisfaction = support.support_satisfaction(scope_for(analyst))
    # Compute's three ratings in the range: good, bad, good; Billing's and the old one are out.
    assert (satisfaction.ratings, satisfaction.good, satisfaction.bad) == (3, 2, 1)
    assert satisfaction.share_good == pytest.approx(2 / 3)
    assert [(t.team, t.good, t.bad) for t in satisfaction.teams] == [("Compute", 2, 1)]
    comments = [row[3] for row in satisfaction.comments.rows]
    assert comments == ["Took two days", "Quick and clear, thanks"]
    assert satisfaction.comments.links[0] == f"/tickets/{dataset.tickets[1].pk}/"


def test_satisfaction_is_per_team_for_a_manager(dataset, manager, scope_for):
    everyone = support.support_satisfaction(scope_for(manager))
    assert [(t.team, t.good, t.bad) for t in everyone.teams] == [
        ("Billing", 0, 1),
        ("Compute", 2, 1),
    ]
    billing = support.support_satisfaction(scope_for(manager, team="billing"))
    assert (billing.ratings, billing.share_good) == (1, 0.0)
    assert [row[3] for row in billing.comments.rows] == ["Billing never answered"]


def test_satisfaction_follows_the_date_range(dataset, analyst, scope_for):
    day = dataset.day0.date()
    first_day = support.support_satisfaction(
        scope_for(analyst, start=day.isoformat(), end=day.isoformat())
    )
    assert first_day.ratings == 0
    long_ago = day - dt.timedelta(days=40)
    old = support.support_satisfaction(
        scope_for(analyst, start=long_ago.isoformat(), end=long_ago.isoformat())
    )
    assert (old.ratings, old.bad) == (1, 1)


def test_it_counts_next_replies_that_came_late(team, analyst, scope_for):
    from django.utils import timezone

    from tickets import services
    from tickets.models import Customer, Message

    now = timezone.now()
    hour = dt.timedelta(hours=1)
    numbers = iter(range(10))

    def ticket_with(*turns):
        """A normal-priority ticket (next reply within 24 h) with these (kind, hours ago)."""
        customer = Customer.objects.create(name="Ada", email=f"ada{next(numbers)}@example.com")
        ticket = services.ticket_create(
            team=team, customer=customer, subject="s", body="first", at=now - 100 * hour
        )
        for kind, ago in turns:
            services.message_create(
                ticket=ticket,
                kind=kind,
                body="text",
                author=analyst if kind == Message.Kind.ANALYST else None,
                at=now - ago * hour,
            )
        return ticket

    a, c = Message.Kind.ANALYST, Message.Kind.CUSTOMER
    ticket_with((a, 99), (c, 60), (c, 59), (a, 50))  # waited 10 h: in time
    ticket_with((a, 98), (c, 70), (a, 40))  # waited 30 h: late
    ticket_with((a, 97), (c, 30))  # unanswered for 30 h: late
    ticket_with((a, 96), (c, 10))  # unanswered for 10 h: not yet
    ticket_with((c, 95))  # no first response yet: the first-response clock, not this one

    next_replies = support.support_sla(scope_for(analyst)).next_replies
    assert (next_replies.waits, next_replies.late, next_replies.rate) == (4, 2, 0.5)
