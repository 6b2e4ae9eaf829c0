import datetime as dt
import json

import pytest
from django.utils import timezone

from dashboards.data import to_json
from dashboards.panels import PAGES
from dashboards.scope import FilterForm
from dashboards.selectors import copilot, knowledge, support


def test_it_defaults_to_the_last_30_days(manager):
    form = FilterForm({}, user=manager)
    assert form.is_valid()
    scope = form.scope()
    today = timezone.localdate()
    assert (scope.start, scope.end) == (today - dt.timedelta(days=29), today)
    assert len(scope.days) == 30
    assert scope.until - scope.since == dt.timedelta(days=30)
    # Every team: no filter at all for a manager.
    assert scope.team_ids is None


def test_it_limits_an_analyst_to_their_teams(analyst, team, other_team):
    form = FilterForm({}, user=analyst)
    assert form.is_valid()
    scope = form.scope()
    assert scope.team_ids == (team.pk,)
    assert [t.slug for t in form.teams] == ["compute"]
    assert form.all_label == "All my teams"


def test_a_chosen_team_narrows_the_scope_and_the_links(manager, team, other_team):
    form = FilterForm({"team": "billing", "start": "2026-11-01", "end": "2026-11-03"}, user=manager)
    assert form.is_valid()
    scope = form.scope()
    assert scope.team_ids == (other_team.pk,)
    assert scope.query == "team=billing&start=2026-11-01&end=2026-11-03"


def test_a_user_without_a_role_has_no_team(nobody, team):
    form = FilterForm({"team": "compute"}, user=nobody)
    assert not form.is_valid()
    assert "There is no team “compute” among yours." in form.error_text()


@pytest.mark.parametrize(
    "figures",
    [
        support.support_volume,
        support.support_backlog,
        support.support_times,
        support.support_sla,
        support.support_waiting,
        copilot.copilot_activity,
        copilot.copilot_acceptance,
        copilot.copilot_precision,
        copilot.copilot_silence,
        copilot.copilot_cost,
        knowledge.knowledge_growth,
        knowledge.knowledge_mix,
        knowledge.knowledge_curation,
    ],
)
def test_every_figure_is_plain_json(dataset, manager, scope_for, figures):
    data = json.loads(to_json(figures(scope_for(manager))))
    assert data


def test_every_page_has_its_panels(dataset, manager, scope_for):
    scope = scope_for(manager)
    for page in PAGES.values():
        for panel in page.panels.values():
            assert panel(scope)
