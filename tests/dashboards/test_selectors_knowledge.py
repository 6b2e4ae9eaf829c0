import datetime as dt

import pytest

from dashboards.selectors import knowledge


def test_it_draws_the_growth_of_knowledge(dataset, analyst, scope_for):
    growth = knowledge.knowledge_growth(scope_for(analyst)).daily
    d0 = growth.days.index(dataset.day0.date())
    # One imported entry from before the range; two learned on day0, one approved on day1.
    # Billing's own entry is not the analyst's.
    assert growth.series["all entries"][0] == 1
    assert growth.series["all entries"][d0] == 3
    assert growth.series["learned"][d0 - 1 : d0 + 1] == [0, 2]
    assert growth.series["approved"][d0 : d0 + 2] == [1, 2]
    assert growth.series["all entries"][-1] == 3


def test_it_counts_entries_by_status_and_source(dataset, manager, scope_for):
    mix = knowledge.knowledge_mix(scope_for(manager))
    assert {c.label: c.value for c in mix.by_status} == {
        "Proposed": 1,
        "Approved": 3,
        "Rejected": 0,
        "Archived": 0,
    }
    assert {c.label: c.value for c in mix.by_source} == {
        "Written by hand": 1,
        "Imported": 1,
        "Learned from tickets": 2,
        "A team's macro": 0,
    }
    assert (mix.learned_in_range, mix.imported_in_range) == (2, 0)


def test_it_measures_the_curation_backlog(dataset, analyst, scope_for):
    backlog = knowledge.knowledge_curation(scope_for(analyst))
    assert (backlog.proposed, backlog.flagged, backlog.pending_revisions) == (1, 0, 0)
    # The proposed entry was made five days ago at midnight.
    assert 5 <= backlog.oldest_days < 6
    assert backlog.age_p50_days == pytest.approx(backlog.oldest_days)
    assert {c.label: c.value for c in backlog.ages} == {
        "under a day": 0,
        "1 to 7 days": 1,
        "7 to 30 days": 0,
        "over 30 days": 0,
    }


def test_it_ranks_entries_by_use_and_by_dismissals(dataset, analyst, manager, scope_for):
    cited = knowledge.knowledge_usage(scope_for(analyst), order="cited")
    old, learned = dataset.old, dataset.learned
    # Billing's dismissal of the shared entry is not among the analyst's teams.
    assert [row[0] for row in cited.rows] == [f"#{old.pk}", f"#{learned.pk}"]
    assert cited.rows[0][4:] == [2, 1, 1]
    assert cited.links[0] == f"/knowledge/{old.pk}/"
    dismissed = knowledge.knowledge_usage(scope_for(manager), order="dismissed")
    assert [row[0] for row in dismissed.rows] == [f"#{old.pk}"]
    assert dismissed.rows[0][4:] == [3, 1, 2]


def test_it_leaves_out_suggestions_outside_the_range(dataset, analyst, scope_for):
    early = dataset.day0.date() - dt.timedelta(days=10)
    scope = scope_for(analyst, start=early.isoformat(), end=early.isoformat())
    assert knowledge.knowledge_usage(scope, order="cited").rows == []


def test_it_refuses_an_unknown_order(dataset, analyst, scope_for):
    with pytest.raises(ValueError, match="Unknown order"):
        knowledge.knowledge_usage(scope_for(analyst), order="newest")


def test_it_ranks_the_teams_macros_by_use(
    analyst, manager, team, other_team, make_ticket, scope_for
):
    from tests.factories import UserFactory
    from tickets import services
    from tickets.models import Macro, MacroUse, Message

    ticket = make_ticket()
    other = make_ticket(team=other_team)
    admin = UserFactory(username="root", roles=["admin"])

    def use(macro, on, times):
        for _ in range(times):
            message, _ = services.message_create(
                ticket=on, kind=Message.Kind.ANALYST, body="x", author=admin
            )
            MacroUse.objects.create(
                macro=macro, ticket=on, message=message, user=admin, used_at=message.created_at
            )

    ours = Macro.objects.create(team=team, name="Ours", body="x")
    also = Macro.objects.create(team=team, name="Also ours", body="x")
    theirs = Macro.objects.create(team=other_team, name="Theirs", body="x")
    personal = Macro.objects.create(owner=analyst, name="Private", body="x")
    use(ours, ticket, 1)
    use(also, ticket, 2)
    use(theirs, other, 3)
    use(personal, ticket, 4)
    table = knowledge.macro_usage(scope_for(analyst))
    assert [row[:3] for row in table.rows] == [["Also ours", "Compute", 2], ["Ours", "Compute", 1]]
    everyone = knowledge.macro_usage(scope_for(manager))
    assert [row[0] for row in everyone.rows] == ["Theirs", "Also ours", "Ours"]
    gone = knowledge.macro_usage(scope_for(manager, start="2000-01-01", end="2000-01-02"))
    assert gone.rows == []
