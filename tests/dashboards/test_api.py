import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboards.apis import FIGURES


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


def api_for(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_it_gives_a_managers_support_figures_for_every_team(dataset, manager):
    response = api_for(manager).get("/api/v1/dashboards/support/")
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["team"]) == ("support", None)
    assert set(body["figures"]) == set(FIGURES["support"])
    assert sum(body["figures"]["volume"]["series"]["opened"]) == 5


def test_an_analyst_sees_only_their_teams(dataset, analyst):
    body = api_for(analyst).get("/api/v1/dashboards/support/").json()
    assert sum(body["figures"]["volume"]["series"]["opened"]) == 4
    satisfaction = body["figures"]["satisfaction"]
    assert (satisfaction["good"], satisfaction["bad"]) == (2, 1)
    assert [t["team"] for t in satisfaction["teams"]] == ["Compute"]
    assert satisfaction["comments"]["rows"][0][3] == "Took two days"


def test_a_team_and_a_date_range_narrow_the_figures(dataset, manager, team, day0):
    day = day0.date().isoformat()
    response = api_for(manager).get(
        "/api/v1/dashboards/support/", {"team": team.slug, "start": day, "end": day}
    )
    body = response.json()
    assert (body["team"], body["start"], body["end"]) == (team.slug, day, day)
    assert body["figures"]["volume"]["series"]["opened"] == [2]


@pytest.mark.parametrize("page", sorted(FIGURES))
def test_every_page_answers_with_its_figures(dataset, manager, page):
    response = api_for(manager).get(f"/api/v1/dashboards/{page}/")
    assert response.status_code == 200
    assert set(response.json()["figures"]) == set(FIGURES[page])


def test_a_curator_reads_only_the_knowledge_figures(dataset, curator):
    client = api_for(curator)
    assert client.get("/api/v1/dashboards/knowledge/").status_code == 200
    refused = client.get("/api/v1/dashboards/support/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"team": "nope"}, "team"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-02-10", "end": "2026-02-01"}, "filters"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(dataset, manager, query, field):
    response = api_for(manager).get("/api/v1/dashboards/support/", query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_teams_slug_is_refused_to_an_analyst(dataset, analyst, other_team):
    response = api_for(analyst).get("/api/v1/dashboards/support/", {"team": other_team.slug})
    assert response.status_code == 400


def test_unknown_pages_and_strangers(dataset, manager):
    assert api_for(manager).get("/api/v1/dashboards/sales/").status_code == 404
    assert APIClient().get("/api/v1/dashboards/support/").status_code == 401
