"""The API fuzzed against its own OpenAPI schema: whatever the schema allows, no 5xx."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from copilot import pipeline
from knowledge import services as knowledge_services
from tests.factories import UserFactory
from tickets import services
from tickets.models import Macro, Message, SavedView, Ticket

EXAMPLES_PER_OPERATION = 20
# No 5xx, and every answer is one the schema documents, in the shape it documents.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(small_kb, team, ticket):
    """Objects the fuzzer's ids can point at: a ticket with a suggestion, a proposed entry."""
    message, _ = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="How do I make my volume bigger?"
    )
    suggestion = pipeline.run(message).suggestion
    entry = knowledge_services.entry_create(question="Proposed?", answer="Maybe.", actor=None)
    macro = Macro.objects.create(team=team, name="Hello", body="Hi {{ customer_name }}")
    ids = {
        "ticket_id": ticket.pk,
        "suggestion_id": suggestion.pk,
        "entry_id": entry.pk,
        "macro_id": macro.pk,
        "customer_id": ticket.customer_id,
    }
    return {**ids, "team": team.slug}


def world_ticket(world):
    return Ticket.objects.get(pk=world["ticket_id"])


@pytest.fixture
def wsgi_app():
    """Django's WSGI application in this process, its requests inside the test's transaction.

    As Django's own test client does, the connection is not closed after each request: it
    holds the transaction the test data lives in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_request_the_schema_allows_makes_a_server_error(world, team, settings, wsgi_app):
    settings.VIGIL_API_RATE_USER = "100000/hour"
    admin = UserFactory(username="root", roles=["admin"], teams=[team])
    auth = {"Authorization": f"Token {Token.objects.create(user=admin).key}"}
    services.ticket_assign(ticket=world_ticket(world), actor=UserFactory(), assignee=admin)
    world["notification_id"] = admin.notifications.get().pk
    world["view_id"] = SavedView.objects.create(owner=admin, name="Mine", query="status=new").pk
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 39

    for operation in operations:

        @given(case=operation.as_strategy(), known_ids=strategies.booleans())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case, known_ids):
            if known_ids:
                # Half the examples name real objects, so the fuzzer gets past the 404s.
                for name, value in (case.path_parameters or {}).items():
                    case.path_parameters[name] = world.get(name, value)
                if isinstance(case.body, dict) and "team" in case.body:
                    case.body["team"] = world["team"]
                if isinstance(case.query, dict) and "team" in case.query:
                    case.query["team"] = world["team"]
            response = case.call(headers=auth)
            case.validate_response(response, checks=CHECKS)

        fuzz()
