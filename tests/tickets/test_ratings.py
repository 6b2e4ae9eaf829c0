"""The customer's satisfaction rating of a resolved ticket, from its portal page."""

import pytest
from django.urls import reverse

from tickets import rating_services, selectors, services
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

HX = {"HX-Request": "true"}


def rating_url(ticket):
    return reverse("portal:rating", args=[selectors.portal_token_for(ticket)])


def page_url(ticket):
    return reverse("portal:ticket", args=[selectors.portal_token_for(ticket)])


@pytest.fixture
def resolved(ticket, analyst):
    services.ticket_change_status(ticket=ticket, actor=analyst, status=Ticket.Status.RESOLVED)
    return ticket


def test_a_resolved_ticket_offers_the_rating(client, resolved):
    page = client.get(page_url(resolved)).text
    assert "How did we do?" in page
    assert 'name="rating" value="good"' in page


def test_an_open_ticket_does_not(client, ticket):
    page = client.get(page_url(ticket)).text
    assert "How did we do?" not in page
    response = client.post(rating_url(ticket), {"rating": "good"}, headers=HX)
    assert response.status_code == 422
    assert "not resolved any more" in response.text
    assert not SatisfactionRating.objects.exists()


def test_the_customer_rates_and_changes_their_mind(client, resolved):
    response = client.post(rating_url(resolved), {"rating": "bad", "comment": "Slow"}, headers=HX)
    assert response.status_code == 200
    assert "Thank you! You rated this bad." in response.text
    response = client.post(rating_url(resolved), {"rating": "good", "comment": ""}, headers=HX)
    assert "You rated this good." in response.text
    [rating] = SatisfactionRating.objects.all()
    assert (rating.rating, rating.comment, rating.team) == ("good", "", resolved.team)
    assert rating.resolved_at == Ticket.objects.get(pk=resolved.pk).resolved_at
    events = resolved.events.filter(kind=TicketEvent.Kind.RATING).order_by("id")
    assert [(e.old_value, e.new_value) for e in events] == [("", "Bad"), ("Bad", "Good")]
    assert events[0].actor_name == "Priya Raman"


def test_without_htmx_it_leads_back_to_the_page(client, resolved):
    response = client.post(rating_url(resolved), {"rating": "good"})
    assert response.status_code == 302
    assert response.url == page_url(resolved) + "#rating-box"
    assert "You rated this good." in client.get(page_url(resolved)).text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose good or bad."),
        ({"rating": "meh"}, "Choose good or bad."),
        ({"rating": "good", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_input_is_explained(client, resolved, data, error):
    response = client.post(rating_url(resolved), data, headers=HX)
    assert response.status_code == 422
    assert error in response.text
    assert not SatisfactionRating.objects.exists()


def test_a_reopened_ticket_keeps_the_rating_and_may_be_rated_again(client, resolved, analyst):
    client.post(rating_url(resolved), {"rating": "bad"}, headers=HX)
    services.message_create(
        ticket=resolved, kind=Message.Kind.CUSTOMER, body="It broke again", author_name="Priya"
    )
    assert client.post(rating_url(resolved), {"rating": "good"}, headers=HX).status_code == 422
    assert "How did we do?" not in client.get(page_url(resolved)).text
    services.ticket_change_status(ticket=resolved, actor=analyst, status=Ticket.Status.RESOLVED)
    assert "How did we do?" in client.get(page_url(resolved)).text
    client.post(rating_url(resolved), {"rating": "good"}, headers=HX)
    assert list(resolved.ratings.order_by("id").values_list("rating", flat=True)) == [
        "bad",
        "good",
    ]


def test_a_closed_ticket_that_was_resolved_may_still_be_rated(resolved, analyst):
    services.ticket_change_status(ticket=resolved, actor=analyst, status=Ticket.Status.CLOSED)
    saved = rating_services.rating_save(ticket=resolved, rating="good")
    assert saved.pk is not None


def test_a_forged_link_cannot_rate(client, resolved):
    response = client.post("/support/t/forged/rating/", {"rating": "bad"})
    assert response.status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_the_ticket_page_shows_the_rating_to_its_team_only(
    client, analyst, other_analyst, resolved
):
    rating_services.rating_save(ticket=resolved, rating="bad", comment="Took <b>ages</b>")
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[resolved.pk])).text
    assert "Satisfaction" in page
    assert '<span class="rating-bad"><svg class="thumb"' in page
    assert "Took &lt;b&gt;ages&lt;/b&gt;" in page
    assert "rated the resolution" in page
    client.force_login(other_analyst)
    assert client.get(reverse("tickets:detail", args=[resolved.pk])).status_code == 404
