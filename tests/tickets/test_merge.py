"""Merging two tickets of one customer: service, page with its confirmation, refusals."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, UserFactory
from tickets import merge_services, services
from tickets.models import Message, Ticket, TicketEvent


def url(name, ticket):
    return reverse(f"tickets:{name}", args=[ticket.pk])


@pytest.fixture
def pair(make_ticket, reply):
    """Two tickets of Priya's, each with a conversation: #first, then #second about the same."""
    first = make_ticket(subject="VM will not boot", body="My VM is stuck.")
    reply(first, "Looking into it", internal=True)
    second = make_ticket(subject="Still stuck", body="Any news on my VM?")
    reply(second, "Which region?")
    return first, second


def test_it_moves_messages_and_timeline_and_closes_the_merged_one(pair, analyst):
    first, second = pair
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.merged_into == first
    assert second.status == Ticket.Status.CLOSED
    assert not second.messages.exists()
    bodies = list(first.messages.order_by("created_at", "id").values_list("body", flat=True))
    assert bodies == ["My VM is stuck.", "Looking into it", "Any news on my VM?", "Which region?"]
    # The moved messages are numbered after the target's own, public ones too.
    seqs = list(first.messages.order_by("seq").values_list("seq", "public_seq"))
    assert seqs == [(1, 1), (2, None), (3, 2), (4, 3)]
    assert (first.message_seq, first.public_message_seq) == (4, 3)
    # The merged ticket's timeline moved, and both record the merge.
    assert first.events.filter(kind=TicketEvent.Kind.CREATED).count() == 2
    into = second.events.get(kind=TicketEvent.Kind.MERGED)
    assert (into.new_value, into.actor) == (f"#{first.pk}", analyst)
    merged_in = first.events.get(kind=TicketEvent.Kind.MERGED)
    assert merged_in.old_value == f"#{second.pk}"


def test_an_unanswered_message_that_moved_in_starts_the_reply_clock(pair, analyst, reply):
    first, second = pair
    reply(first, "Fixed, try now")
    first.refresh_from_db()
    assert first.awaiting_reply_since is None
    waiting = second.messages.create(
        kind=Message.Kind.CUSTOMER,
        body="Still broken",
        author_name="Priya",
        created_at=timezone.now(),
    )
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.awaiting_reply_since == waiting.created_at
    assert second.awaiting_reply_since is None


def test_a_finished_target_is_reopened_when_the_customer_was_still_waiting(pair, analyst):
    first, second = pair
    services.ticket_change_status(ticket=first, actor=analyst, status=Ticket.Status.RESOLVED)
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    first.refresh_from_db()
    assert first.status == Ticket.Status.OPEN


def test_a_message_for_the_merged_ticket_joins_the_other(pair, analyst):
    first, second = pair
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    # E.g. the customer answers an old email of the merged ticket.
    message, _ = services.message_create(
        ticket=second, kind=Message.Kind.CUSTOMER, body="Here are the logs", author_name="Priya"
    )
    assert message.ticket_id == first.pk
    assert Ticket.objects.get(pk=second.pk).status == Ticket.Status.CLOSED


def test_a_merged_ticket_keeps_its_status(pair, analyst):
    first, second = pair
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    with pytest.raises(services.TicketError, match=f"merged into #{first.pk}"):
        services.ticket_change_status(ticket=second, actor=analyst, status=Ticket.Status.OPEN)


def test_a_new_message_after_the_merge_follows_on_the_target(pair, analyst):
    first, second = pair
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    message, _ = services.message_create(
        ticket=first, kind=Message.Kind.CUSTOMER, body="Thanks!", author_name="Priya"
    )
    assert message.seq == 5


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("itself", "cannot be merged into itself"),
        ("customers", "belong to different customers"),
        ("merged", "was already merged into"),
        ("into_merged", "merge into that one instead"),
    ],
)
def test_it_refuses_with_the_reason(pair, analyst, make_ticket, case, reason):
    first, second = pair
    source, target = second, first
    if case == "itself":
        target = second
    elif case == "customers":
        target = make_ticket(customer=CustomerFactory())
    elif case == "merged":
        third = make_ticket()
        merge_services.ticket_merge(source=second, target=third, actor=analyst)
    elif case == "into_merged":
        third = make_ticket()
        merge_services.ticket_merge(source=first, target=third, actor=analyst)
    with pytest.raises(services.TicketError, match=reason):
        merge_services.ticket_merge(source=source, target=target, actor=analyst)


def test_the_ticket_page_offers_the_merge_and_the_customer_page(client, analyst, pair):
    first, second = pair
    client.force_login(analyst)
    page = client.get(url("detail", second)).text
    assert f'action="{url("merge", second)}"' in page
    assert f'<option value="{first.pk}">#{first.pk} VM will not boot (new)</option>' in page
    assert f'href="{reverse("tickets:customer", args=[second.customer_id])}"' in page


def test_it_asks_to_confirm_then_merges(client, analyst, pair):
    first, second = pair
    client.force_login(analyst)
    confirm = client.get(url("merge", second), {"into": f"#{first.pk}"})
    assert confirm.status_code == 200
    assert f"Merge #{second.pk} into #{first.pk}?" in confirm.text
    # Opened, taken by the analyst who replied, and opened by that reply.
    assert "The 2 messages and 3 timeline entries of" in confirm.text
    assert Ticket.objects.get(pk=second.pk).merged_into is None  # nothing changed yet
    done = client.post(url("merge", second), {"into": first.pk})
    assert done.status_code == 302
    assert done.url == url("detail", first)
    assert f"#{second.pk} was merged into this ticket" in client.get(done.url).text
    merged = client.get(url("detail", second)).text
    assert f"This ticket was merged into #{first.pk}" in merged
    assert f'Its messages moved to <a href="/tickets/{first.pk}/">' in merged
    assert f'action="{url("merge", second)}"' not in merged
    assert 'name="body"' not in merged  # no reply box
    assert "Reopen" not in merged


def test_another_teams_ticket_is_not_found_as_a_target(client, analyst, pair, other_team):
    first, second = pair
    theirs = services.ticket_create(
        team=other_team, customer=first.customer, subject="Invoice", body="Charged twice"
    )
    client.force_login(analyst)
    response = client.post(url("merge", second), {"into": theirs.pk})
    assert response.status_code == 404
    assert f"There is no ticket #{theirs.pk} in your teams." in response.text
    # Nor is it offered.
    assert f'value="{theirs.pk}"' not in client.get(url("detail", second)).text
    assert Ticket.objects.get(pk=second.pk).merged_into is None


def test_a_manager_merges_across_teams(client, manager, pair, other_team):
    first, _second = pair
    theirs = services.ticket_create(
        team=other_team, customer=first.customer, subject="Invoice", body="Charged twice"
    )
    client.force_login(manager)
    assert client.post(url("merge", theirs), {"into": first.pk}).status_code == 302
    assert Ticket.objects.get(pk=theirs.pk).merged_into_id == first.pk


def test_refusals_are_pages_with_the_reason(client, analyst, pair, make_ticket):
    _first, second = pair
    stranger = make_ticket(customer=CustomerFactory())
    client.force_login(analyst)
    response = client.post(url("merge", second), {"into": stranger.pk})
    assert response.status_code == 422
    assert "belong to different customers" in response.text
    response = client.get(url("merge", second), {"into": "soon"})
    assert response.status_code == 400
    assert "Give the number of the ticket to merge into" in response.text
    response = client.get(url("merge", second))
    assert response.status_code == 400
    assert "Choose the ticket to merge into." in response.text


def test_curators_and_other_teams_cannot_merge(client, curator, other_analyst, pair):
    first, second = pair
    client.force_login(curator)
    assert client.post(url("merge", second), {"into": first.pk}).status_code == 403
    client.force_login(other_analyst)
    assert client.post(url("merge", second), {"into": first.pk}).status_code == 404
    assert Ticket.objects.get(pk=second.pk).merged_into is None


def test_it_refuses_other_methods(client, analyst, pair):
    client.force_login(analyst)
    assert client.put(url("merge", pair[1])).status_code == 405


def test_the_customers_page_of_a_merged_ticket_leads_to_the_other(client, pair, analyst):
    from tickets import selectors

    first, second = pair
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    token = selectors.portal_token_for(second)
    page = client.get(reverse("portal:ticket", args=[token])).text
    target_link = reverse("portal:ticket", args=[selectors.portal_token_for(first)])
    assert f'<a href="{target_link}">Go to #{first.pk}</a>' in page
    assert 'name="body"' not in page  # no reply box on the merged one
    refused = client.post(reverse("portal:reply", args=[token]), {"body": "hello"})
    assert refused.status_code == 400
    assert first.messages.filter(body="hello").count() == 0


def test_an_admin_of_no_team_sees_every_customer(client, pair):
    admin = UserFactory(username="ada", roles=["admin"])
    client.force_login(admin)
    response = client.get(reverse("tickets:customer", args=[pair[0].customer_id]))
    assert response.status_code == 200
