import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MessageFactory
from tickets.models import Message, Ticket

HX = {"HX-Request": "true"}


def url(name, ticket):
    return reverse(f"tickets:{name}", args=[ticket.pk])


def test_it_shows_the_whole_conversation(client, analyst, ticket, reply):
    reply(ticket, "Looking at the hypervisor now", internal=True)
    reply(ticket, "Please try a hard reboot")
    client.force_login(analyst)
    response = client.get(url("detail", ticket))
    assert response.status_code == 200
    text = response.text
    assert "My VM is stuck." in text
    assert "Please try a hard reboot" in text
    assert "msg--internal" in text
    assert "Internal note" in text
    assert f'data-live-url="/ws/tickets/{ticket.pk}/"' in text


def test_it_escapes_customer_text(client, analyst, make_ticket):
    ticket = make_ticket(body="<script>alert(1)</script>")
    client.force_login(analyst)
    text = client.get(url("detail", ticket)).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_another_teams_ticket_is_not_found(client, analyst, other_ticket):
    client.force_login(analyst)
    response = client.get(url("detail", other_ticket))
    assert response.status_code == 404
    assert other_ticket.subject not in response.text


def test_an_unknown_ticket_is_not_found(client, analyst, db):
    client.force_login(analyst)
    assert client.get("/tickets/999999/").status_code == 404
    assert client.get("/tickets/abc/").status_code == 404


def test_curators_read_but_cannot_reply(client, curator, ticket):
    client.force_login(curator)
    page = client.get(url("detail", ticket))
    assert page.status_code == 200
    assert "cannot reply" in page.text or "but not reply" in page.text
    response = client.post(url("reply", ticket), {"body": "hi"}, headers=HX)
    assert response.status_code == 403
    assert client.post(url("status", ticket), {"status": "open"}).status_code == 403
    assert ticket.messages.count() == 1


def test_the_page_query_count_is_pinned(client, analyst, ticket):
    for n in range(30):
        MessageFactory(ticket=ticket, body=f"message {n}")
    client.force_login(analyst)
    client.get(url("detail", ticket))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("detail", ticket))
    assert response.status_code == 200
    # Independent of the number of messages (one is the customer's other tickets, one the
    # messages' attachments, one the customer's ratings, one marks the ticket's notifications
    # read and one counts the unread ones for the bell): see bench/ticket_console.py.
    assert len(queries) == 14, "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_it_replies_with_htmx(client, analyst, ticket):
    client.force_login(analyst)
    response = client.post(
        url("reply", ticket), {"body": "Try rescue mode", "client_token": "t1"}, headers=HX
    )
    assert response.status_code == 200
    message = ticket.messages.get(kind=Message.Kind.ANALYST)
    assert message.body == "Try rescue mode"
    assert message.author == analyst
    assert f'data-id="message-{message.pk}"' in response.text
    assert 'id="reply-box"' in response.text
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN


def test_a_repeated_submit_stores_one_message(client, analyst, ticket):
    client.force_login(analyst)
    for _ in range(2):
        client.post(url("reply", ticket), {"body": "Once", "client_token": "same"}, headers=HX)
    assert ticket.messages.filter(body="Once").count() == 1


def test_it_replies_without_javascript(client, analyst, ticket):
    client.force_login(analyst)
    response = client.post(url("reply", ticket), {"body": "Plain form"})
    assert response.status_code == 302
    assert response.url.startswith(url("detail", ticket))


def test_it_saves_internal_notes_and_status_with_the_reply(client, analyst, ticket):
    client.force_login(analyst)
    client.post(url("reply", ticket), {"body": "note", "internal": "on"}, headers=HX)
    client.post(url("reply", ticket), {"body": "fixed", "then_status": "resolved"}, headers=HX)
    assert ticket.messages.get(body="note").internal
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED


@pytest.mark.parametrize("body", ["", "    ", "\n\n"])
def test_an_empty_reply_is_refused_with_a_message(client, analyst, ticket, body):
    client.force_login(analyst)
    response = client.post(url("reply", ticket), {"body": body}, headers=HX)
    assert response.status_code == 422
    assert "The message is empty" in response.text
    assert ticket.messages.count() == 1


def test_an_oversized_reply_is_refused_and_kept_in_the_box(client, analyst, ticket, settings):
    settings.VIGIL_MAX_MESSAGE_CHARS = 20
    client.force_login(analyst)
    response = client.post(url("reply", ticket), {"body": "y" * 21}, headers=HX)
    assert response.status_code == 422
    assert "limited to 20 characters" in response.text
    assert "y" * 21 in response.text
    plain = client.post(url("reply", ticket), {"body": "y" * 21})
    assert plain.status_code == 400
    assert ticket.messages.count() == 1


def test_it_changes_status_and_refreshes_the_sidebar(client, analyst, ticket):
    client.force_login(analyst)
    response = client.post(url("status", ticket), {"status": "waiting"}, headers=HX)
    assert response.status_code == 200
    assert 'id="ticket-sidebar"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.WAITING
    assert "Waiting on customer" in response.text


def test_an_invalid_transition_is_explained(client, analyst, ticket):
    client.force_login(analyst)
    client.post(url("status", ticket), {"status": "closed"}, headers=HX)
    response = client.post(url("status", ticket), {"status": "waiting"}, headers=HX)
    assert response.status_code == 422
    assert "A closed ticket cannot be set to waiting on customer." in response.text
    plain = client.post(url("status", ticket), {"status": "resolved"})
    assert plain.status_code == 422
    assert "cannot be set to resolved" in plain.text
    bogus = client.post(url("status", ticket), {"status": "exploded"}, headers=HX)
    assert bogus.status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED


def test_it_assigns_sets_priority_and_tags(client, analyst, ticket):
    client.force_login(analyst)
    assert client.post(url("assign", ticket), {"assignee": "me"}, headers=HX).status_code == 200
    assert client.post(url("priority", ticket), {"priority": "3"}, headers=HX).status_code == 200
    response = client.post(url("tags", ticket), {"tags": "Boot, GRUB"}, headers=HX)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority, ticket.tags) == (analyst, 3, ["boot", "grub"])
    assert "assigned to" in response.text
    assert client.post(url("assign", ticket), {"assignee": ""}, headers=HX).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_it_refuses_assigning_outsiders(client, analyst, other_analyst, ticket):
    client.force_login(analyst)
    response = client.post(url("assign", ticket), {"assignee": other_analyst.pk}, headers=HX)
    assert response.status_code == 422
    assert "cannot work Compute tickets" in response.text
    missing = client.post(url("assign", ticket), {"assignee": "99999"}, headers=HX)
    assert missing.status_code == 422
    assert client.post(url("priority", ticket), {"priority": "7"}, headers=HX).status_code == 422


def test_moving_to_a_team_i_am_not_in_leaves_the_page(client, manager, analyst, ticket, other_team):
    client.force_login(analyst)
    response = client.post(url("team", ticket), {"team": other_team.slug}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("tickets:queue")
    assert Ticket.objects.get(pk=ticket.pk).team == other_team


def test_actions_on_another_teams_ticket_are_not_found(client, analyst, other_ticket):
    client.force_login(analyst)
    for name in ["reply", "status", "assign", "priority", "tags", "team"]:
        response = client.post(url(name, other_ticket), {"body": "x", "status": "open"})
        assert response.status_code == 404, name
    assert other_ticket.messages.count() == 0


def test_actions_refuse_get_and_anonymous(client, analyst, ticket):
    assert client.post(url("reply", ticket), {"body": "x"}).status_code == 302
    client.force_login(analyst)
    assert client.get(url("reply", ticket)).status_code == 405
    assert client.get(url("status", ticket)).status_code == 405


def test_forms_require_csrf(analyst, ticket):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(analyst)
    assert strict.post(url("reply", ticket), {"body": "x"}).status_code == 403
    assert ticket.messages.count() == 1


def test_the_catch_up_fragment_lists_newer_messages_only(client, analyst, ticket, reply):
    first = ticket.messages.get()
    note = reply(ticket, "a note", internal=True)
    client.force_login(analyst)
    everything = client.get(url("conversation", ticket)).text
    assert f'id="message-{first.pk}"' in everything
    assert f'id="message-{note.pk}"' in everything
    newer = client.get(url("conversation", ticket) + f"?after={first.pk}").text
    assert f'id="message-{first.pk}"' not in newer
    assert f'id="message-{note.pk}"' in newer
    assert client.get(url("conversation", ticket) + "?after=%C2%B2").status_code == 200


def test_the_conversation_fragment_is_scoped(client, analyst, other_analyst, ticket):
    client.force_login(other_analyst)
    assert client.get(url("conversation", ticket)).status_code == 404
    assert client.get(url("sidebar", ticket)).status_code == 404


def test_a_reply_is_kept_when_the_status_change_after_it_fails(client, analyst, ticket):
    client.force_login(analyst)
    client.post(url("status", ticket), {"status": "closed"}, headers=HX)
    response = client.post(
        url("reply", ticket), {"body": "One more thing", "then_status": "waiting"}, headers=HX
    )
    assert response.status_code == 200
    message = ticket.messages.get(body="One more thing")
    assert f'data-id="message-{message.pk}"' in response.text
    assert "Sent. The status was not changed" in response.text
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED


def test_the_sidebar_keeps_the_customers_link(client, analyst, ticket):
    client.force_login(analyst)
    response = client.post(url("priority", ticket), {"priority": "3"}, headers=HX)
    assert "/support/t/" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "assignee=%C2%B2",
        "priority=%C2%B2",
        "q=%23%C2%B2",
        "q=%00",
        "team=%00",
        "q=%2399999999999999999999999",
        "page=-1",
    ],
)
def test_odd_queue_parameters_never_fail(client, analyst, ticket, query):
    client.force_login(analyst)
    assert client.get(reverse("tickets:queue") + "?" + query).status_code == 200


def test_odd_ids_are_not_found(client, analyst, ticket):
    client.force_login(analyst)
    assert client.get("/tickets/99999999999999999999999/").status_code == 404
    response = client.post(url("assign", ticket), {"assignee": "²"}, headers=HX)
    assert response.status_code == 422
