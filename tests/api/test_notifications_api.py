import pytest

from tests.api.conftest import error_of
from tests.factories import UserFactory
from tickets import services
from tickets.models import Notification

LIST = "/api/v1/notifications/"
COUNT = "/api/v1/notifications/unread-count/"
READ_ALL = "/api/v1/notifications/read-all/"
SETTINGS = "/api/v1/notifications/settings/"


def read(notification_id):
    return f"/api/v1/notifications/{notification_id}/read/"


@pytest.fixture
def colleague(team):
    return UserFactory(
        username="lena", first_name="Lena", last_name="Berg", roles=["analyst"], teams=[team]
    )


@pytest.fixture
def told(make_ticket, analyst, colleague):
    """Two tickets assigned to the analyst by a colleague: two notifications, newest last."""
    tickets = [make_ticket(subject="First"), make_ticket(subject="Second")]
    for ticket in tickets:
        services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    return list(Notification.objects.filter(user=analyst).order_by("pk"))


def test_it_lists_mine_newest_first(api_for, analyst, told):
    body = api_for(analyst).get(LIST).json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["id"] == told[1].pk
    assert first["kind"] == "assigned"
    assert first["summary"] == f"Lena Berg assigned #{told[1].ticket_id} to you"
    assert first["ticket"] == told[1].ticket_id
    assert first["ticket_subject"] == "Second"
    assert first["read_at"] is None


def test_unread_count_mark_one_and_all(api_for, analyst, told):
    api = api_for(analyst)
    assert api.get(COUNT).json() == {"unread": 2}
    response = api.post(read(told[0].pk))
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api.get(COUNT).json() == {"unread": 1}
    assert [n["id"] for n in api.get(LIST, {"unread": "true"}).json()["results"]] == [told[1].pk]
    assert [n["id"] for n in api.get(LIST, {"unread": "false"}).json()["results"]] == [told[0].pk]
    assert api.post(READ_ALL).json() == {"marked": 1}
    assert api.get(COUNT).json() == {"unread": 0}


def test_someone_elses_notification_is_not_found(api_for, colleague, told):
    api = api_for(colleague)
    assert api.get(LIST).json()["count"] == 0
    response = api.post(read(told[0].pk))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert Notification.objects.get(pk=told[0].pk).read_at is None


def test_a_ticket_that_left_my_teams_takes_its_notifications_along(
    api_for, analyst, told, other_team, manager
):
    moved = told[0].ticket
    services.ticket_move(ticket=moved, actor=manager, team=other_team)
    api = api_for(analyst)
    assert api.get(COUNT).json() == {"unread": 1}
    assert [n["ticket"] for n in api.get(LIST).json()["results"]] == [told[1].ticket_id]
    assert api.post(read(told[0].pk)).status_code == 404


def test_a_bad_filter_is_a_400(api_for, analyst):
    response = api_for(analyst).get(LIST, {"unread": "perhaps"})
    assert response.status_code == 400
    assert "unread" in error_of(response)["fields"]


def test_the_digest_setting(api_for, analyst):
    api = api_for(analyst)
    assert api.get(SETTINGS).json() == {"email_digest": False}
    analyst.email = ""
    analyst.save()
    response = api.post(SETTINGS, {"email_digest": True}, format="json")
    assert response.status_code == 400
    assert "no email address" in error_of(response)["fields"]["email_digest"][0]
    analyst.email = "sam@example.com"
    analyst.save()
    assert api.post(SETTINGS, {"email_digest": True}, format="json").json() == {
        "email_digest": True
    }
    assert api.get(SETTINGS).json() == {"email_digest": True}
    assert api.post(SETTINGS, {}, format="json").status_code == 400


def test_it_needs_a_login_and_a_role(anonymous, api_for, nobody):
    assert anonymous.get(COUNT).status_code == 401
    assert api_for(nobody).get(COUNT).status_code == 403
