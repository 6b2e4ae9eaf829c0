import pytest

from tests.api.conftest import error_of
from tests.factories import UserFactory
from tickets import macro_services
from tickets.models import Macro, MacroUse, Ticket


@pytest.fixture
def admin_user(team):
    return UserFactory(username="ada", roles=["admin"], teams=[team])


@pytest.fixture
def mine(analyst):
    return macro_services.macro_create(actor=analyst, name="Mine", body="Hi {{ customer_name }}")


@pytest.fixture
def team_macro(admin_user, team):
    return macro_services.macro_create(
        actor=admin_user,
        name="Resolve",
        body="Done on {{ ticket_number }}",
        team=team,
        set_status=Ticket.Status.RESOLVED,
        add_tags=["done"],
    )


@pytest.fixture
def theirs(other_analyst):
    return macro_services.macro_create(actor=other_analyst, name="Theirs", body="x")


def test_it_lists_mine_and_my_teams(api_for, analyst, mine, team_macro, theirs):
    response = api_for(analyst).get("/api/v1/macros/")
    assert response.status_code == 200
    names = {m["name"] for m in response.json()["results"]}
    assert names == {"Mine", "Resolve"}


def test_an_analyst_creates_updates_and_deletes_their_own(api_for, analyst):
    api = api_for(analyst)
    response = api.post(
        "/api/v1/macros/create/",
        {"name": "Ack", "body": "Hello {{ analyst_name }}", "add_tags": ["Seen"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["owner"]["username"] == "sam"
    assert body["team"] is None
    assert body["add_tags"] == ["seen"]
    url = f"/api/v1/macros/{body['id']}/"
    assert api.get(url).json()["name"] == "Ack"
    response = api.post(url + "update/", {"set_priority": 4}, format="json")
    assert response.status_code == 200
    assert response.json()["set_priority"] == 4
    assert api.post(url + "delete/").status_code == 204
    assert not Macro.objects.exists()


def test_bad_macros_are_400s(api_for, analyst, team):
    api = api_for(analyst)
    response = api.post(
        "/api/v1/macros/create/", {"name": "Bad", "body": "Hi {{ who }}"}, format="json"
    )
    assert response.status_code == 400
    assert "Unknown placeholder {{ who }}" in str(error_of(response)["fields"])
    response = api.post(
        "/api/v1/macros/create/",
        {"name": "x", "body": "x", "set_status": "gone", "add_tags": ["a"] * 11},
        format="json",
    )
    assert response.status_code == 400
    assert (
        api.post(
            "/api/v1/macros/create/", {"name": "x", "body": "x", "team": team.slug}, format="json"
        ).status_code
        == 403
    )
    assert not Macro.objects.exists()


def test_others_macros_are_not_found_and_team_ones_read_only(api_for, analyst, theirs, team_macro):
    api = api_for(analyst)
    assert api.get(f"/api/v1/macros/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/macros/{theirs.pk}/delete/").status_code == 404
    assert api.get(f"/api/v1/macros/{team_macro.pk}/").status_code == 200
    response = api.post(f"/api/v1/macros/{team_macro.pk}/update/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert Macro.objects.count() == 2


def test_curators_have_no_macros(api_for, curator, team_macro):
    assert api_for(curator).get("/api/v1/macros/").status_code == 403


def test_a_ticket_lists_its_macros_filled(api_for, analyst, ticket, mine, team_macro, theirs):
    response = api_for(analyst).get(f"/api/v1/tickets/{ticket.pk}/macros/")
    assert response.status_code == 200
    filled = {m["name"]: m["filled_body"] for m in response.json()["results"]}
    assert filled == {"Mine": "Hi Priya Raman", "Resolve": f"Done on #{ticket.pk}"}


def test_another_teams_ticket_has_no_macros(api_for, analyst, other_ticket):
    assert api_for(analyst).get(f"/api/v1/tickets/{other_ticket.pk}/macros/").status_code == 404


def test_a_reply_with_a_macro_applies_it(api_for, analyst, ticket, team_macro):
    response = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/messages/create/",
        {"body": "Done", "macros": [team_macro.pk]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["macro_warnings"] == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.tags == ["done"]
    assert MacroUse.objects.filter(macro=team_macro).count() == 1


def test_a_reply_with_someone_elses_macro_is_refused(api_for, analyst, ticket, theirs):
    response = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/messages/create/",
        {"body": "Done", "macros": [theirs.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "macros" in error_of(response)["fields"]
    assert ticket.messages.count() == 1


def test_an_admin_keeps_a_team_macro_from_the_copilot(
    api_for, admin_user, team, django_capture_on_commit_callbacks
):
    from knowledge.models import KnowledgeEntry

    api = api_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/macros/create/",
            {"name": "On it", "body": "Looking now.", "team": team.slug, "copilot_offers": False},
            format="json",
        )
    assert response.status_code == 201
    assert response.json()["copilot_offers"] is False
    assert not KnowledgeEntry.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/macros/{response.json()['id']}/update/",
            {"copilot_offers": True},
            format="json",
        )
    assert response.status_code == 200
    assert KnowledgeEntry.objects.get().question == "On it"
