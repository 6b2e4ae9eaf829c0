import pytest

from copilot import pipeline
from copilot.models import Suggestion
from tests.api.conftest import error_of
from tickets import services
from tickets.models import Message


@pytest.fixture
def suggestion(small_kb, ticket):
    message, _ = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="How do I make my volume bigger?"
    )
    return pipeline.run(message).suggestion


def suggestions(ticket):
    return f"/api/v1/tickets/{ticket.pk}/suggestions/"


def act(suggestion, action):
    return f"/api/v1/tickets/{suggestion.ticket_id}/suggestions/{suggestion.pk}/{action}/"


def test_it_lists_suggestions_with_their_citations(api_for, curator, suggestion):
    response = api_for(curator).get(suggestions(suggestion.ticket))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == suggestion.pk
    assert item["state"] == "shown"
    assert item["text"] == suggestion.text
    cited = suggestion.citations.get()
    assert item["citations"] == [{"id": cited.pk, "question": cited.question}]


def test_another_teams_suggestions_are_not_found(api_for, other_analyst, suggestion):
    response = api_for(other_analyst).get(suggestions(suggestion.ticket))
    assert response.status_code == 404


def test_accept_sends_the_suggestion_as_is(api_for, analyst, suggestion):
    response = api_for(analyst).post(act(suggestion, "accept"))
    assert response.status_code == 200
    body = response.json()
    assert body["suggestion"]["state"] == "sent"
    assert body["message"]["body"] == suggestion.text
    assert body["message"]["author"]["id"] == analyst.pk
    suggestion.refresh_from_db()
    assert suggestion.sent_message_id == body["message"]["id"]
    assert suggestion.citations.get().times_accepted == 1


def test_a_decided_suggestion_is_a_conflict(api_for, analyst, suggestion):
    client = api_for(analyst)
    client.post(act(suggestion, "accept"))
    again = client.post(act(suggestion, "accept"))
    assert again.status_code == 409
    error = error_of(again)
    assert error["code"] == "conflict"
    assert error["message"] == "This suggestion was already sent as is."
    assert suggestion.ticket.messages.filter(kind="analyst").count() == 1


def test_dismiss_records_the_reason(api_for, analyst, suggestion):
    response = api_for(analyst).post(act(suggestion, "dismiss"), {"reason": "outdated"})
    assert response.status_code == 200
    assert response.json()["state"] == "dismissed"
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.dismiss_reason) == ("dismissed", "outdated")
    assert suggestion.citations.get().times_dismissed == 1


def test_dismiss_needs_a_known_reason(api_for, analyst, suggestion):
    client = api_for(analyst)
    for payload in ({}, {"reason": "boring"}):
        response = client.post(act(suggestion, "dismiss"), payload, format="json")
        assert response.status_code == 400
        assert "reason" in error_of(response)["fields"]
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SHOWN


def test_curators_cannot_act_on_suggestions(api_for, curator, suggestion):
    client = api_for(curator)
    assert client.post(act(suggestion, "accept")).status_code == 403
    assert client.post(act(suggestion, "dismiss"), {"reason": "wrong"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SHOWN


def test_another_teams_analyst_cannot_act(api_for, other_analyst, suggestion):
    response = api_for(other_analyst).post(act(suggestion, "accept"))
    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SHOWN


def test_a_suggestion_of_another_ticket_is_not_found(api_for, analyst, suggestion, make_ticket):
    elsewhere = make_ticket(subject="Another")
    url = f"/api/v1/tickets/{elsewhere.pk}/suggestions/{suggestion.pk}/accept/"
    response = api_for(analyst).post(url)
    assert response.status_code == 404
    assert f"no suggestion #{suggestion.pk}" in error_of(response)["message"]
