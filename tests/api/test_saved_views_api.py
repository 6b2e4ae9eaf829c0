import pytest

from tests.api.conftest import error_of
from tickets import saved_view_services, services
from tickets.models import SavedView

LIST = "/api/v1/views/"
CREATE = "/api/v1/views/create/"


@pytest.fixture
def fires(analyst):
    return saved_view_services.saved_view_create(owner=analyst, name="fires", query="priority=4")


def test_it_lists_my_views_with_counts_in_my_teams(
    api_for, analyst, manager, fires, make_ticket, other_team
):
    make_ticket(subject="Fire", priority=4)
    make_ticket(team=other_team, subject="Fire elsewhere", priority=4)
    saved_view_services.saved_view_create(owner=manager, name="everything", query="status=all")
    response = api_for(analyst).get(LIST)
    assert response.status_code == 200
    [view] = response.json()["results"]
    assert view["name"] == "fires"
    assert view["query"] == "priority=4"
    assert view["filters"] == {"priority": "4"}
    # Only the analyst's team's ticket is counted.
    assert view["count"] == 1
    assert view["url"] == "/tickets/?priority=4"
    [theirs] = api_for(manager).get(LIST).json()["results"]
    assert (theirs["name"], theirs["count"]) == ("everything", 2)


def test_create_read_rename_and_delete(api_for, analyst, make_ticket):
    api = api_for(analyst)
    ticket = make_ticket(subject="Nobody's")
    response = api.post(
        CREATE, {"name": "unassigned compute", "query": "team=compute&assignee=none"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["query"] == "team=compute&assignee=none"
    assert body["count"] == 1
    url = f"{LIST}{body['id']}/"
    assert api.get(url).json()["name"] == "unassigned compute"
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    assert api.get(url).json()["count"] == 0
    response = api.post(url + "update/", {"name": "nobody's"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "nobody's"
    response = api.post(url + "update/", {"query": "assignee=me"}, format="json")
    assert (response.json()["query"], response.json()["count"]) == ("assignee=me", 1)
    assert api.post(url + "delete/").status_code == 204
    assert not SavedView.objects.exists()


def test_bad_views_are_400s_with_the_reason(api_for, analyst, fires, other_team):
    api = api_for(analyst)
    response = api.post(CREATE, {"name": "fires", "query": ""}, format="json")
    assert response.status_code == 400
    assert "You already have a view named “fires”." in error_of(response)["message"]
    response = api.post(CREATE, {"name": "theirs", "query": "team=billing"}, format="json")
    assert response.status_code == 400
    assert "You have no team 'billing'." in error_of(response)["message"]
    response = api.post(CREATE, {"query": "status=new"}, format="json")
    assert response.status_code == 400
    assert "name" in error_of(response)["fields"]
    response = api.post(f"{LIST}{fires.pk}/update/", {}, format="json")
    assert response.status_code == 400
    assert "Send a name or a query" in error_of(response)["message"]


def test_another_persons_view_is_not_found(api_for, other_analyst, fires):
    api = api_for(other_analyst)
    url = f"{LIST}{fires.pk}/"
    assert api.get(url).status_code == 404
    assert api.post(url + "update/", {"name": "mine"}, format="json").status_code == 404
    assert api.post(url + "delete/").status_code == 404
    assert api.get(LIST).json()["results"] == []
    assert SavedView.objects.get().name == "fires"


def test_it_needs_a_vigil_role(api_for, anonymous, nobody):
    assert anonymous.get(LIST).status_code in {401, 403}
    assert api_for(nobody).get(LIST).status_code == 403
    assert api_for(nobody).post(CREATE, {"name": "x"}, format="json").status_code == 403
