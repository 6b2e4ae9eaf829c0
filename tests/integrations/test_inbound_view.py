import json
import time

import pytest
from django.urls import reverse

from integrations import services
from integrations.models import ConversationLink
from tests.factories import TeamFactory
from tests.integrations.conftest import delivery
from tickets import services as ticket_services
from tickets.models import Customer, Message, Ticket


def test_the_first_message_opens_a_ticket_in_the_integrations_team(post_inbound, integration):
    response = post_inbound(delivery())
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert response.json() == {
        "delivery_id": "d-1",
        "ticket": ticket.pk,
        "message": message.pk,
        "created": True,
    }
    assert ticket.team == integration.team
    assert ticket.subject == "Cannot reach my VM"
    assert ticket.customer.email == "ada@example.com"
    assert message.kind == Message.Kind.CUSTOMER
    assert message.body == "Help!"
    assert message.external_id == f"integration:{integration.pk}:m-1"
    assert ConversationLink.objects.get().ticket == ticket


def test_the_same_delivery_twice_makes_one_ticket_and_one_message(post_inbound):
    first = post_inbound(delivery())
    again = post_inbound(delivery())
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_replayed_later_message_is_stored_once(post_inbound):
    post_inbound(delivery())
    second = delivery(delivery_id="d-2", message={"id": "m-2", "text": "Still down."})
    assert post_inbound(second).status_code == 201
    again = post_inbound(second)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert Message.objects.count() == 2


def test_the_second_message_of_a_conversation_joins_its_ticket(post_inbound):
    first = post_inbound(delivery()).json()
    reply = delivery(
        delivery_id="d-2",
        message={"id": "m-2", "author": "Sam from support", "role": "analyst", "text": "On it."},
    )
    response = post_inbound(reply)
    assert response.status_code == 201
    assert response.json()["ticket"] == first["ticket"]
    ticket = Ticket.objects.get()
    answer = ticket.messages.get(pk=response.json()["message"])
    assert answer.kind == Message.Kind.ANALYST
    assert answer.author_name == "Sam from support"
    # An analyst's public reply takes a new ticket, as it does in the console.
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.first_response_at is not None


def test_another_conversation_opens_another_ticket(post_inbound):
    post_inbound(delivery())
    other = delivery(conversation={"id": "conv-2"}, message={"id": "m-9"})
    assert post_inbound(other).status_code == 201
    assert Ticket.objects.count() == 2


def test_a_customer_writing_again_reopens_a_resolved_ticket(post_inbound, analyst):
    ticket = Ticket.objects.get(pk=post_inbound(delivery()).json()["ticket"])
    ticket_services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved")
    again = delivery(delivery_id="d-2", message={"id": "m-2", "text": "It broke again."})
    assert post_inbound(again).status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.resolved_at is None


def test_the_same_message_id_in_another_integration_is_another_message(post_inbound, client, team):
    post_inbound(delivery())
    made = services.integration_create(name="Mail gateway", slug="mail", team=team)
    other = made.integration
    response = post_inbound(delivery(), secret=other.secret, slug=other.slug)
    assert response.status_code == 201
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, "X-Vigil-Signature header is missing"),
        ({"X-Vigil-Signature": "sha256=00"}, "X-Vigil-Timestamp header is missing"),
    ],
)
def test_it_refuses_unsigned_deliveries(post_inbound, headers, error):
    response = post_inbound(delivery(), headers=headers)
    assert response.status_code == 401
    assert error in response.json()["error"]
    assert not Ticket.objects.exists()


def test_it_refuses_a_delivery_signed_with_another_secret(post_inbound):
    response = post_inbound(delivery(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"error": "The X-Vigil-Signature does not match the body."}
    assert not Ticket.objects.exists()


def test_it_refuses_a_stale_delivery(post_inbound, settings):
    settings.VIGIL_WEBHOOK_TOLERANCE_SECONDS = 60
    response = post_inbound(delivery(), timestamp=time.time() - 61)
    assert response.status_code == 401
    assert "at most 60 s" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_a_rotated_secret_stops_the_old_one(post_inbound, integration):
    old = integration.secret
    services.integration_rotate_secret(integration=integration)
    assert post_inbound(delivery(), secret=old).status_code == 401
    assert post_inbound(delivery(), secret=integration.secret).status_code == 201


def test_an_unknown_integration_is_404(post_inbound):
    response = post_inbound(delivery(), slug="nope")
    assert response.status_code == 404
    assert response.json() == {"error": "There is no active integration 'nope'."}


def test_an_inactive_integration_is_404_and_changes_nothing(post_inbound, integration):
    services.integration_update(
        integration=integration,
        name=integration.name,
        slug=integration.slug,
        team=integration.team,
        active=False,
    )
    response = post_inbound(delivery())
    assert response.status_code == 404
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (delivery(delivery_id=""), "delivery_id"),
        (delivery(conversation="conv-1"), "conversation"),
        (delivery(conversation={"id": None}), "conversation.id"),
        (delivery(conversation={"subject": "  "}), "conversation.subject"),
        (delivery(conversation={"customer": {"name": "Ada"}}), "conversation.customer.email"),
        (
            delivery(conversation={"customer": {"name": "Ada", "email": "not-an-email"}}),
            "conversation.customer.email",
        ),
        (delivery(message={"role": "bot"}), "message.role"),
        (delivery(message={"text": ""}), "message.text"),
        (delivery(message={"id": "x" * 151}), "message.id"),
        (delivery(message={"author": 42}), "message.author"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(post_inbound, body, field):
    response = post_inbound(body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["error"]
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


NUL_FIELDS = [
    ("delivery_id", delivery(delivery_id="d-\x001")),
    ("conversation.id", delivery(conversation={"id": "conv\x00-1"})),
    ("conversation.subject", delivery(conversation={"subject": "Cannot\x00 reach"})),
    (
        "conversation.customer.name",
        delivery(conversation={"customer": {"name": "Ada\x00", "email": "ada@example.com"}}),
    ),
    ("message.id", delivery(message={"id": "m-\x001"})),
    ("message.author", delivery(message={"author": "Ada\x00"})),
    ("message.text", delivery(message={"text": "Help\x00!"})),
]


@pytest.mark.parametrize(("field", "body"), NUL_FIELDS, ids=[f for f, _ in NUL_FIELDS])
def test_a_nul_character_is_400_naming_the_field(post_inbound, field, body):
    response = post_inbound(body)
    assert response.status_code == 400
    assert response.json() == {"error": f"{field} must not contain NUL characters.", "field": field}
    assert not Ticket.objects.exists()


def test_a_nul_character_in_a_later_message_changes_nothing(post_inbound):
    assert post_inbound(delivery()).status_code == 201
    response = post_inbound(delivery(message={"id": "m-2", "text": "More\x00"}))
    assert response.status_code == 400
    assert response.json()["field"] == "message.text"
    assert Message.objects.count() == 1


def test_a_lone_surrogate_is_400_naming_the_field(post_inbound):
    raw = json.dumps(delivery(message={"text": "Help \ud800!"})).encode()
    response = post_inbound(raw)
    assert response.status_code == 400
    assert response.json()["field"] == "message.text"
    assert "not valid Unicode" in response.json()["error"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("depth", [100_000, 40])
def test_deeply_nested_json_is_400_with_the_reason(post_inbound, depth):
    body = delivery()
    raw = json.dumps(body)[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    response = post_inbound(raw.encode())
    assert response.status_code == 400
    assert response.json() == {
        "error": "The JSON is nested more than 32 levels deep.",
        "field": "body",
    }
    assert not Ticket.objects.exists()


def test_an_oversized_message_is_refused_with_the_limit(post_inbound, settings):
    settings.VIGIL_MAX_MESSAGE_CHARS = 10
    response = post_inbound(delivery(message={"text": "z" * 11}))
    assert response.status_code == 400
    assert response.json() == {
        "error": "message.text is limited to 10 characters; got 11.",
        "field": "message.text",
    }


def test_an_oversized_body_is_413_before_anything_is_read(post_inbound, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = post_inbound(delivery(message={"text": "z" * 2_000}))
    assert response.status_code == 413
    assert response.json() == {"error": "The body is larger than 1,000 bytes.", "field": "body"}
    assert not Ticket.objects.exists()


def test_numeric_ids_are_taken_as_text(post_inbound):
    body = delivery(delivery_id=7, conversation={"id": 123}, message={"id": 456})
    response = post_inbound(body)
    assert response.status_code == 201
    assert ConversationLink.objects.get().external_id == "123"


def test_a_conversation_cannot_start_with_an_analyst_message(post_inbound):
    response = post_inbound(delivery(message={"role": "analyst"}))
    assert response.status_code == 422
    assert response.json()["field"] == "message.role"
    assert not Ticket.objects.exists()


def test_a_message_id_reused_for_another_role_is_a_conflict(post_inbound):
    post_inbound(delivery())
    clash = delivery(delivery_id="d-2", message={"role": "analyst", "text": "Other text"})
    response = post_inbound(clash)
    assert response.status_code == 409
    assert response.json()["field"] == "message.id"
    assert Message.objects.count() == 1


def test_a_ticket_moved_out_of_the_integrations_teams_is_a_conflict(post_inbound, analyst):
    ticket = Ticket.objects.get(pk=post_inbound(delivery()).json()["ticket"])
    ticket_services.ticket_move(ticket=ticket, actor=analyst, team=TeamFactory(slug="elsewhere"))
    response = post_inbound(delivery(delivery_id="d-2", message={"id": "m-2"}))
    assert response.status_code == 409
    assert f"Ticket #{ticket.pk}" in response.json()["error"]
    assert ticket.messages.count() == 1


def test_only_post_is_allowed(client, integration):
    response = client.get(reverse("integrations:inbound", args=[integration.slug]))
    assert response.status_code == 405


def test_no_csrf_token_is_needed(post_inbound, client):
    client.handler.enforce_csrf_checks = True
    assert post_inbound(delivery()).status_code == 201


def test_the_body_is_checked_exactly_as_sent(post_inbound, integration):
    """Re-encoding the JSON would change the bytes: the signature covers the raw body."""
    raw = json.dumps(delivery(), indent=4).encode()
    assert post_inbound(raw).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_it_hands_its_database_connection_back_as_soon_as_the_delivery_is_stored(
    post_inbound, monkeypatch
):
    """Not once the response has passed back through the middleware and out: under load,
    deliveries waited for pooled connections that finished ones still held."""
    from django.db import connections

    post_inbound(delivery())
    wrapper = connections["default"]
    closed = []
    close = wrapper.close
    monkeypatch.setattr(wrapper, "close", lambda: closed.append(1) or close())
    # An analyst's message queues no copilot task (tests run tasks inline, and they close
    # connections too); the test client keeps the connection open at the end of a request.
    reply = delivery(delivery_id="d-2", message={"id": "m-2", "role": "analyst", "text": "On it."})
    assert post_inbound(reply).status_code == 201
    assert closed
