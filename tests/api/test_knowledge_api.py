import pytest

from knowledge import services
from knowledge.models import KnowledgeEntry
from tests.api.conftest import error_of

LIST = "/api/v1/knowledge/"
SEARCH = "/api/v1/knowledge/search/"
CREATE = "/api/v1/knowledge/create/"


@pytest.fixture
def proposed(db, team):
    return services.entry_create(
        question="How do I rotate my API keys?",
        answer="Create a new key under Account > Keys, switch clients, then delete the old one.",
        actor=None,
        team=team,
    )


def test_search_finds_approved_entries_with_reasons(api_for, analyst, small_kb):
    response = api_for(analyst).get(SEARCH, {"q": "make my disk volume larger", "limit": 3})
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) == 3
    assert hits[0]["entry"]["id"] == small_kb["kb-resize-volume"].pk
    assert hits[0]["score"] >= hits[1]["score"]
    assert any("similar meaning" in reason for reason in hits[0]["reasons"])


def test_search_never_returns_proposed_or_other_teams_entries(
    api_for, analyst, proposed, other_team
):
    services.entry_create(
        question="How do I rotate my API keys for billing exports?",
        answer="Billing exports use their own keys under Billing > Exports.",
        actor=None,
        team=other_team,
        status=KnowledgeEntry.Status.APPROVED,
    )
    hits = api_for(analyst).get(SEARCH, {"q": "rotate API keys"}).json()
    assert hits == []


def test_search_in_a_team_not_ones_own_is_refused(api_for, analyst, other_team):
    response = api_for(analyst).get(SEARCH, {"q": "keys", "team": "billing"})
    assert response.status_code == 400
    assert "team" in error_of(response)["fields"]


def test_search_needs_a_query(api_for, analyst, db):
    response = api_for(analyst).get(SEARCH)
    assert response.status_code == 400
    assert "q" in error_of(response)["fields"]


def test_the_list_shows_approved_entries_to_everyone(api_for, analyst, small_kb, proposed):
    response = api_for(analyst).get(LIST, {"q": "volume", "page_size": 100})
    assert response.status_code == 200
    ids = {e["id"] for e in response.json()["results"]}
    assert small_kb["kb-resize-volume"].pk in ids
    assert proposed.pk not in ids


def test_only_curators_list_proposed_entries(api_for, analyst, curator, proposed):
    refused = api_for(analyst).get(LIST, {"status": "proposed"})
    assert refused.status_code == 403
    listed = api_for(curator).get(LIST, {"status": "proposed", "team": "compute"}).json()
    assert [e["id"] for e in listed["results"]] == [proposed.pk]


def test_a_curator_writes_an_entry(api_for, curator, team):
    payload = {
        "question": "How do I enable two-factor login?",
        "answer": "Account > Security > Two-factor, then scan the code with your app.",
        "tags": ["Security", "login"],
        "team": "compute",
    }
    response = api_for(curator).post(CREATE, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "approved"
    assert body["tags"] == ["security", "login"]
    entry = KnowledgeEntry.objects.get(pk=body["id"])
    assert entry.team == team
    assert entry.embedding is not None
    assert entry.revisions.filter(kind="approved").exists()


def test_a_new_entry_needs_a_known_team_and_both_texts(api_for, curator, db):
    client = api_for(curator)
    response = client.post(CREATE, {"question": "Q?", "answer": "A.", "team": "nope"})
    assert response.status_code == 400
    assert "team" in error_of(response)["fields"]
    missing = client.post(CREATE, {"question": "Q?"}, format="json")
    assert set(error_of(missing)["fields"]) == {"answer"}
    assert not KnowledgeEntry.objects.exists()


def test_analysts_cannot_change_knowledge(api_for, analyst, proposed):
    client = api_for(analyst)
    created = client.post(CREATE, {"question": "Q?", "answer": "A."}, format="json")
    assert created.status_code == 403
    assert "Only curators and admins" in error_of(created)["message"]
    approved = client.post(f"{LIST}{proposed.pk}/approve/", {}, format="json")
    assert approved.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_a_curator_approves_with_an_edit(api_for, curator, proposed):
    payload = {"answer": "Create a new key under Account > API keys, then delete the old one."}
    response = api_for(curator).post(f"{LIST}{proposed.pk}/approve/", payload, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    proposed.refresh_from_db()
    assert proposed.status == "approved"
    assert proposed.answer == payload["answer"]
    assert proposed.reviewed_by.username == "cora"


def test_a_curator_rejects_with_a_reason(api_for, curator, proposed):
    url = f"{LIST}{proposed.pk}/reject/"
    client = api_for(curator)
    no_reason = client.post(url, {"reason": "  "}, format="json")
    assert no_reason.status_code == 400
    response = client.post(url, {"reason": "Keys are rotated by support"}, format="json")
    assert response.status_code == 200
    assert response.json()["reject_reason"] == "Keys are rotated by support"
    again = client.post(url, {"reason": "again"}, format="json")
    assert again.status_code == 422
    assert "Only proposed entries can be rejected" in error_of(again)["message"]


def test_an_unknown_entry_is_not_found(api_for, curator, db):
    response = api_for(curator).post(f"{LIST}999999/approve/", {}, format="json")
    assert response.status_code == 404
    assert error_of(response)["message"] == "There is no knowledge entry #999999."


def test_non_curators_do_not_see_proposed_entries(api_for, analyst, proposed):
    assert api_for(analyst).get(f"{LIST}{proposed.pk}/").status_code == 404
