import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import error_of
from tests.factories import UserFactory
from tickets.models import Ticket, TicketEvent

LIST = "/api/v1/tickets/"
CREATE = "/api/v1/tickets/create/"


def detail(ticket):
    return f"/api/v1/tickets/{ticket.pk}/"


def update(ticket):
    return f"/api/v1/tickets/{ticket.pk}/update/"


def test_it_lists_only_the_callers_teams_tickets(api_for, analyst, ticket, other_ticket):
    response = api_for(analyst).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == ticket.pk
    assert item["subject"] == "VM will not boot"
    assert item["team"] == {"slug": "compute", "name": "Compute"}
    assert item["customer"] == {"name": "Priya Raman", "email": "priya@example.com"}
    assert item["status"] == "new"


def test_managers_see_every_team(api_for, manager, ticket, other_ticket):
    assert api_for(manager).get(LIST).json()["count"] == 2


def test_it_filters_with_the_queues_filters(api_for, analyst, make_ticket):
    urgent = make_ticket(subject="Disk full", priority=Ticket.Priority.URGENT)
    make_ticket(subject="Slow network")
    client = api_for(analyst)

    def ids(**params):
        return [t["id"] for t in client.get(LIST, params).json()["results"]]

    assert ids(priority=4) == [urgent.pk]
    assert ids(q="disk") == [urgent.pk]
    assert ids(q=f"#{urgent.pk}") == [urgent.pk]
    assert ids(team="compute", status="new") == ids()
    assert ids(status="closed") == []
    assert ids(assignee="me") == []
    assert len(ids(assignee="none")) == 2


def test_bad_filters_are_refused_with_the_field_named(api_for, analyst, ticket):
    response = api_for(analyst).get(LIST, {"status": "sleeping", "priority": "9"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"status", "priority"}


def test_it_paginates_with_a_maximum_page_size(api_for, analyst, make_ticket, settings):
    settings.VIGIL_API_MAX_PAGE_SIZE = 3
    for n in range(5):
        make_ticket(subject=f"Problem {n}")
    client = api_for(analyst)
    first = client.get(LIST, {"page_size": 50}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 3
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["next"] is None
    seen = {t["id"] for t in first["results"]} | {t["id"] for t in second["results"]}
    assert len(seen) == 5
    past_the_end = client.get(LIST, {"page": 9})
    assert past_the_end.status_code == 404
    assert error_of(past_the_end)["code"] == "not_found"


def test_it_retrieves_a_ticket(api_for, curator, ticket):
    response = api_for(curator).get(detail(ticket))
    assert response.status_code == 200
    assert response.json()["id"] == ticket.pk


def test_another_teams_ticket_is_not_found(api_for, analyst, other_ticket):
    response = api_for(analyst).get(detail(other_ticket))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert f"no ticket #{other_ticket.pk}" in error["message"]
    assert other_ticket.subject not in response.text


def test_anonymous_callers_are_asked_to_authenticate(anonymous, ticket):
    response = anonymous.get(detail(ticket))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


def test_an_unknown_token_is_refused(anonymous, ticket):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anonymous.get(detail(ticket))
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_user_without_a_role_is_refused(api_for, nobody, ticket):
    response = api_for(nobody).get(LIST)
    assert response.status_code == 403
    assert "no Vigil role" in error_of(response)["message"]


def test_it_opens_a_ticket_for_a_customer(api_for, analyst, team):
    payload = {
        "team": "compute",
        "customer": {"name": "Lena Fischer", "email": "Lena@Example.com"},
        "subject": "Cannot resize volume",
        "body": "The resize button is greyed out.",
        "priority": 3,
    }
    response = api_for(analyst).post(CREATE, payload, format="json")
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.team == team
    assert ticket.customer.email == "lena@example.com"
    assert ticket.priority == Ticket.Priority.HIGH
    first = ticket.messages.get()
    assert first.kind == "customer"
    assert first.author_name == "Lena Fischer"
    assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY).exists()


def test_a_retried_create_opens_the_ticket_once(api_for, analyst, team):
    payload = {
        "team": "compute",
        "customer": {"name": "Lena", "email": "lena@example.com"},
        "subject": "Cannot resize volume",
        "body": "Greyed out.",
    }
    client = api_for(analyst)
    key = {"HTTP_IDEMPOTENCY_KEY": "delivery-42"}
    first = client.post(CREATE, payload, format="json", **key)
    again = client.post(CREATE, payload, format="json", **key)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def opening(**changes):
    payload = {
        "team": "compute",
        "customer": {"name": "Lena", "email": "lena@example.com"},
        "subject": "Cannot resize volume",
        "body": "Greyed out.",
    }
    return payload | changes


@pytest.mark.parametrize(
    "changed",
    [
        {"body": "Greyed out, and now the VM is gone."},
        {"subject": "Cannot delete volume"},
        {"customer": {"name": "Mallory", "email": "mallory@example.com"}},
    ],
    ids=["text", "subject", "customer"],
)
def test_a_key_reused_for_another_ticket_is_refused(api_for, analyst, team, changed):
    client = api_for(analyst)
    key = {"HTTP_IDEMPOTENCY_KEY": "delivery-42"}
    first = client.post(CREATE, opening(), format="json", **key)
    again = client.post(CREATE, opening(**changed), format="json", **key)
    assert first.status_code == 201
    assert again.status_code == 422
    error = error_of(again)
    assert error["code"] == "unprocessable"
    assert "Idempotency-Key was already used for a different ticket" in error["message"]
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.get().body == "Greyed out."


def test_a_retry_after_the_customer_was_renamed_is_still_the_same_ticket(api_for, analyst, team):
    client = api_for(analyst)
    key = {"HTTP_IDEMPOTENCY_KEY": "delivery-42"}
    first = client.post(CREATE, opening(), format="json", **key)
    renamed = opening(customer={"name": "Lena Fischer", "email": "LENA@example.com"})
    again = client.post(CREATE, renamed | {"body": "  Greyed out.\n"}, format="json", **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_ticket_keys_are_scoped_to_the_caller(api_for, analyst, team):
    other = UserFactory(username="bridge", roles=["analyst"], teams=[team])
    key = {"HTTP_IDEMPOTENCY_KEY": "delivery-42"}
    mine = api_for(analyst).post(CREATE, opening(), format="json", **key)
    theirs = api_for(other).post(CREATE, opening(), format="json", **key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert Ticket.objects.count() == 2


def test_creating_in_a_team_not_ones_own_is_refused(api_for, analyst, other_team):
    payload = {
        "team": "billing",
        "customer": {"name": "Lena", "email": "lena@example.com"},
        "subject": "Invoice",
        "body": "Wrong address",
    }
    response = api_for(analyst).post(CREATE, payload, format="json")
    assert response.status_code == 400
    assert "team" in error_of(response)["fields"]
    assert not Ticket.objects.exists()


def test_a_create_with_missing_fields_names_them(api_for, analyst, team):
    response = api_for(analyst).post(CREATE, {"team": "compute"}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert set(error["fields"]) == {"customer", "subject", "body"}
    assert "customer, subject, body" in error["message"]


def test_curators_cannot_open_tickets(api_for, curator, team):
    payload = {
        "team": "compute",
        "customer": {"name": "Lena", "email": "lena@example.com"},
        "subject": "Hi",
        "body": "Hello",
    }
    response = api_for(curator).post(CREATE, payload, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Ticket.objects.exists()


def test_it_changes_status_assignee_and_priority(api_for, analyst, ticket):
    payload = {"status": "waiting", "assignee": analyst.pk, "priority": 4}
    response = api_for(analyst).post(update(ticket), payload, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "waiting"
    assert body["assignee"]["id"] == analyst.pk
    assert body["priority"] == 4
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.priority) == ("waiting", analyst, 4)
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"status", "assignee", "priority"} <= kinds


def test_it_unassigns_with_null(api_for, analyst, ticket):
    ticket.assignee = analyst
    ticket.save()
    response = api_for(analyst).post(update(ticket), {"assignee": None}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_an_invalid_transition_is_a_422_and_nothing_changes(api_for, analyst, ticket):
    ticket.status = Ticket.Status.CLOSED
    ticket.save()
    payload = {"priority": 4, "status": "waiting"}
    response = api_for(analyst).post(update(ticket), payload, format="json")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "unprocessable"
    assert error["message"] == "A closed ticket cannot be set to waiting on customer."
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("closed", Ticket.Priority.NORMAL)


def test_an_assignee_from_another_team_is_refused(api_for, analyst, other_analyst, ticket):
    response = api_for(analyst).post(update(ticket), {"assignee": other_analyst.pk}, format="json")
    assert response.status_code == 422
    assert "cannot work Compute tickets" in error_of(response)["message"]
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_bad_update_input_is_a_400(api_for, analyst, ticket):
    client = api_for(analyst)
    empty = client.post(update(ticket), {}, format="json")
    assert empty.status_code == 400
    assert "Send a status" in error_of(empty)["message"]
    unknown = client.post(update(ticket), {"assignee": 999999, "priority": 7}, format="json")
    assert unknown.status_code == 400
    assert set(error_of(unknown)["fields"]) == {"assignee", "priority"}
    not_json = client.post(update(ticket), "status=open", content_type="text/plain")
    assert not_json.status_code == 415
    assert error_of(not_json)["code"] == "unsupported_media_type"


def test_curators_read_but_cannot_change_tickets(api_for, curator, ticket):
    response = api_for(curator).post(update(ticket), {"status": "open"}, format="json")
    assert response.status_code == 403
    assert "read tickets but not change" in error_of(response)["message"]
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_another_teams_ticket_cannot_be_changed(api_for, analyst, other_ticket):
    response = api_for(analyst).post(update(other_ticket), {"status": "open"}, format="json")
    assert response.status_code == 404
    other_ticket.refresh_from_db()
    assert other_ticket.status == "new"


def test_the_wrong_method_is_a_405(api_for, analyst, ticket):
    response = api_for(analyst).delete(detail(ticket))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_console_login_works_too(client, analyst, ticket):
    client.force_login(analyst)
    response = client.get(detail(ticket))
    assert response.status_code == 200


def test_writes_with_a_console_login_need_the_csrf_token(analyst, ticket):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post(update(ticket), {"status": "open"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_a_deactivated_users_token_stops_working(api_for, team, ticket):
    user = UserFactory(roles=["analyst"], teams=[team])
    client = api_for(user)
    user.is_active = False
    user.save()
    assert client.get(detail(ticket)).status_code == 401


def test_the_list_query_count_is_pinned(api_for, analyst, make_ticket, reply):
    for n in range(12):
        reply(make_ticket(subject=f"Problem {n}"), "On it")
    client = api_for(analyst)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"page_size": 50})
    assert response.json()["count"] == 12
    # Token, roles, count, page: independent of the number of tickets.
    assert len(queries) == 4, "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_a_bulk_change_names_what_it_refused(api_for, analyst, make_ticket, other_ticket):
    first, second = make_ticket(), make_ticket()
    api = api_for(analyst)
    response = api.post(
        "/api/v1/tickets/bulk/",
        {"tickets": [first.pk, second.pk, other_ticket.pk], "action": "add_tags", "tags": ["Vip"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] == [first.pk, second.pk]
    assert body["refused"] == [
        {"id": other_ticket.pk, "reason": f"there is no ticket #{other_ticket.pk} in your teams"}
    ]
    assert Ticket.objects.get(pk=first.pk).tags == ["vip"]
    response = api.post(
        "/api/v1/tickets/bulk/", {"tickets": [first.pk], "action": "status"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in error_of(response)["fields"]
    response = api.post(
        "/api/v1/tickets/bulk/",
        {"tickets": [first.pk], "action": "team", "team": "billing"},
        format="json",
    )
    assert response.status_code == 400


def test_a_curator_makes_no_bulk_change(api_for, curator, make_ticket):
    ticket = make_ticket()
    response = api_for(curator).post(
        "/api/v1/tickets/bulk/",
        {"tickets": [ticket.pk], "action": "priority", "priority": 4},
        format="json",
    )
    assert response.status_code == 403
