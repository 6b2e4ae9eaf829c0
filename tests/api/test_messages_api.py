from tests.api.conftest import error_of
from tickets.models import Message


def messages(ticket):
    return f"/api/v1/tickets/{ticket.pk}/messages/"


def create(ticket):
    return f"/api/v1/tickets/{ticket.pk}/messages/create/"


def test_it_lists_the_conversation_with_internal_notes(api_for, analyst, ticket, reply):
    reply(ticket, "Checking the hypervisor", internal=True)
    reply(ticket, "Please try a hard reboot")
    response = api_for(analyst).get(messages(ticket))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [m["body"] for m in results] == [
        "My VM is stuck.",
        "Checking the hypervisor",
        "Please try a hard reboot",
    ]
    assert [m["internal"] for m in results] == [False, True, False]
    assert results[0]["author"] is None
    assert results[1]["author"]["username"] == "sam"


def test_another_teams_conversation_is_not_found(api_for, analyst, other_ticket):
    response = api_for(analyst).get(messages(other_ticket))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_analyst_replies(api_for, analyst, ticket):
    response = api_for(analyst).post(create(ticket), {"body": "Try rescue mode"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "analyst"
    assert body["internal"] is False
    assert body["author"]["id"] == analyst.pk
    message = ticket.messages.get(pk=body["id"])
    assert message.author == analyst
    ticket.refresh_from_db()
    assert ticket.status == "open"  # a public staff reply takes a new ticket
    assert ticket.first_response_at == message.created_at


def test_an_analyst_writes_an_internal_note(api_for, analyst, ticket):
    payload = {"body": "Customer is on the old plan", "internal": True}
    response = api_for(analyst).post(create(ticket), payload, format="json")
    assert response.status_code == 201
    assert ticket.messages.get(pk=response.json()["id"]).internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_customer_message_is_relayed(api_for, analyst, ticket):
    ticket.status = "resolved"
    ticket.save()
    payload = {"kind": "customer", "body": "It broke again"}
    response = api_for(analyst).post(create(ticket), payload, format="json")
    assert response.status_code == 201
    message = ticket.messages.get(pk=response.json()["id"])
    assert (message.kind, message.author, message.author_name) == ("customer", None, "Priya Raman")
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_customers_cannot_write_internal_notes(api_for, analyst, ticket):
    payload = {"kind": "customer", "body": "secret", "internal": True}
    response = api_for(analyst).post(create(ticket), payload, format="json")
    assert response.status_code == 422
    assert error_of(response)["message"] == "Customers cannot write internal notes."
    assert ticket.messages.count() == 1


def test_a_retried_post_stores_the_message_once(api_for, analyst, ticket):
    client = api_for(analyst)
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c0a4e-retry"}
    first = client.post(create(ticket), {"body": "Try rescue mode"}, format="json", **key)
    again = client.post(create(ticket), {"body": "Try rescue mode"}, format="json", **key)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ticket.messages.filter(kind=Message.Kind.ANALYST).count() == 1
    stored = ticket.messages.get(pk=first.json()["id"])
    assert stored.external_id == f"api-{analyst.pk}:3f1c0a4e-retry"


def test_a_new_key_makes_a_new_message(api_for, analyst, ticket):
    client = api_for(analyst)
    for key in ("one", "two"):
        response = client.post(
            create(ticket), {"body": "Same text"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 201
    assert ticket.messages.filter(kind=Message.Kind.ANALYST).count() == 2


def test_keys_are_scoped_to_the_caller(api_for, analyst, manager, ticket):
    key = {"HTTP_IDEMPOTENCY_KEY": "shared"}
    mine = api_for(analyst).post(create(ticket), {"body": "Mine"}, format="json", **key)
    theirs = api_for(manager).post(create(ticket), {"body": "Theirs"}, format="json", **key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_reused_key_with_another_body_is_refused(api_for, analyst, ticket):
    client = api_for(analyst)
    key = {"HTTP_IDEMPOTENCY_KEY": "k1"}
    client.post(create(ticket), {"body": "First text"}, format="json", **key)
    response = client.post(create(ticket), {"body": "Other text"}, format="json", **key)
    assert response.status_code == 422
    assert "already used for a different message" in error_of(response)["message"]
    assert list(ticket.messages.values_list("body", flat=True)) == ["My VM is stuck.", "First text"]


def test_a_malformed_key_is_refused(api_for, analyst, ticket):
    response = api_for(analyst).post(
        create(ticket), {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 101
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert ticket.messages.count() == 1


def test_an_empty_or_overlong_message_is_refused(api_for, analyst, ticket, settings):
    client = api_for(analyst)
    blank = client.post(create(ticket), {"body": "   "}, format="json")
    assert blank.status_code == 400
    assert "body" in error_of(blank)["fields"]
    settings.VIGIL_MAX_MESSAGE_CHARS = 10
    long = client.post(create(ticket), {"body": "x" * 11}, format="json")
    assert long.status_code == 422
    assert "limited to 10 characters; this one has 11" in error_of(long)["message"]
    assert ticket.messages.count() == 1


def test_curators_cannot_write_messages(api_for, curator, ticket):
    response = api_for(curator).post(create(ticket), {"body": "hello"}, format="json")
    assert response.status_code == 403
    assert ticket.messages.count() == 1


def test_another_teams_ticket_gets_no_message(api_for, analyst, other_ticket):
    response = api_for(analyst).post(create(other_ticket), {"body": "hello"}, format="json")
    assert response.status_code == 404
    assert not other_ticket.messages.exists()
