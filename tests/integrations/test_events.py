import pytest

from copilot import pipeline
from copilot import services as copilot_services
from integrations import services
from integrations.models import Event, WebhookDelivery
from knowledge import services as knowledge_services
from tests.factories import TeamFactory
from tests.integrations.conftest import delivery
from tickets import services as ticket_services
from tickets.models import Message


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a service call as if its transaction committed: signals fire, tasks run (sync)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def sent(webhook_server, event):
    return [r for r in webhook_server.received if r.headers["X-Vigil-Event"] == event]


def test_a_new_ticket_is_announced(endpoint, webhook_server, run_on_commit, make_ticket):
    ticket = run_on_commit(make_ticket, subject="Disk full")
    [received] = sent(webhook_server, Event.TICKET_CREATED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["ticket"]["id"] == ticket.pk
    assert data["ticket"]["subject"] == "Disk full"
    assert data["ticket"]["team"] == "compute"
    assert data["ticket"]["status"] == "new"
    assert data["ticket"]["conversation_id"] is None
    delivery = WebhookDelivery.objects.get(event=Event.TICKET_CREATED)
    assert delivery.status == WebhookDelivery.Status.DELIVERED


def test_a_ticket_opened_through_the_integration_names_its_conversation(
    endpoint, webhook_server, run_on_commit, post_inbound
):
    response = run_on_commit(post_inbound, delivery())
    assert response.status_code == 201
    [received] = sent(webhook_server, Event.TICKET_CREATED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["ticket"]["conversation_id"] == "conv-1"


def test_another_teams_ticket_is_not_announced(
    endpoint, webhook_server, run_on_commit, make_ticket, other_team
):
    run_on_commit(make_ticket, team=other_team)
    assert webhook_server.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_inactive_integration_hears_nothing(
    integration, endpoint, webhook_server, run_on_commit, make_ticket
):
    services.integration_update(
        integration=integration,
        name=integration.name,
        slug=integration.slug,
        team=integration.team,
        active=False,
    )
    run_on_commit(make_ticket)
    assert not WebhookDelivery.objects.exists()


def test_a_status_change_is_announced(
    endpoint, webhook_server, run_on_commit, make_ticket, analyst
):
    ticket = make_ticket()
    run_on_commit(
        ticket_services.ticket_change_status, ticket=ticket, actor=analyst, status="resolved"
    )
    [received] = sent(webhook_server, Event.TICKET_STATUS_CHANGED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["old_status"] == "new"
    assert data["new_status"] == "resolved"
    assert data["ticket"]["id"] == ticket.pk


@pytest.fixture
def suggestion(small_kb, ticket):
    message, _ = ticket_services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="How do I make my volume bigger?"
    )
    return pipeline.run(message).suggestion


def test_a_suggestion_sent_as_is_is_announced(
    endpoint, webhook_server, run_on_commit, suggestion, analyst
):
    message = run_on_commit(
        copilot_services.suggestion_send, suggestion=suggestion, actor=analyst
    ).message
    [received] = sent(webhook_server, Event.SUGGESTION_ACCEPTED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["suggestion"]["id"] == suggestion.pk
    assert data["suggestion"]["citations"] == [suggestion.citations.get().pk]
    assert data["edited"] is False
    assert data["message"] == {
        "id": message.pk,
        "author": message.author_name,
        "text": suggestion.text,
        "created_at": message.created_at.isoformat(),
    }


def test_an_edited_suggestion_is_announced_as_edited(
    endpoint, webhook_server, run_on_commit, suggestion, analyst, reply
):
    copilot_services.suggestion_insert(suggestion=suggestion, actor=analyst)
    run_on_commit(reply, suggestion.ticket, body="Something quite different, in my words.")
    [received] = sent(webhook_server, Event.SUGGESTION_ACCEPTED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["edited"] is True
    assert data["message"]["text"] == "Something quite different, in my words."


def test_a_dismissed_suggestion_is_not_announced(
    endpoint, webhook_server, run_on_commit, suggestion, analyst
):
    run_on_commit(
        copilot_services.suggestion_dismiss, suggestion=suggestion, actor=analyst, reason="wrong"
    )
    assert sent(webhook_server, Event.SUGGESTION_ACCEPTED) == []


def test_approved_knowledge_is_announced_once(
    endpoint, webhook_server, run_on_commit, team, curator
):
    entry = knowledge_services.entry_create(
        question="How do I resize a volume?",
        answer="Stop the VM, then resize.",
        actor=curator,
        team=team,
    )
    run_on_commit(knowledge_services.entry_approve, entry=entry, actor=curator)
    # Approving again (after an edit) is not news.
    run_on_commit(
        knowledge_services.entry_approve,
        entry=entry,
        actor=curator,
        answer="Stop the VM first, then resize it.",
    )
    [received] = sent(webhook_server, Event.KNOWLEDGE_APPROVED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["entry"]["id"] == entry.pk
    assert data["entry"]["question"] == "How do I resize a volume?"
    assert data["entry"]["team"] == "compute"


def test_knowledge_created_approved_is_announced(endpoint, webhook_server, run_on_commit, curator):
    entry = run_on_commit(
        knowledge_services.entry_create,
        question="Where are invoices?",
        answer="Under Billing, then Invoices.",
        actor=curator,
        status="approved",
    )
    [received] = sent(webhook_server, Event.KNOWLEDGE_APPROVED)
    data = webhook_server.json(webhook_server.received.index(received))["data"]
    assert data["entry"]["id"] == entry.pk
    assert data["entry"]["team"] is None


def test_another_teams_knowledge_is_not_announced(endpoint, webhook_server, run_on_commit, curator):
    run_on_commit(
        knowledge_services.entry_create,
        question="Why was I charged twice?",
        answer="A pending authorisation; it disappears within days.",
        actor=curator,
        team=TeamFactory(slug="billing"),
        status="approved",
    )
    assert webhook_server.received == []
