"""The API of customers' history: their tickets, merging, ratings."""

import pytest

from tests.api.conftest import error_of
from tests.factories import CustomerFactory
from tickets import rating_services, services
from tickets.models import Ticket


@pytest.fixture
def pair(make_ticket):
    return make_ticket(subject="VM will not boot"), make_ticket(subject="Still stuck")


def test_it_lists_a_customers_tickets_in_my_teams(api_for, analyst, pair, other_team, customer):
    services.ticket_create(team=other_team, customer=customer, subject="Invoice", body="?")
    response = api_for(analyst).get(f"/api/v1/customers/{customer.pk}/tickets/")
    assert response.status_code == 200
    body = response.json()
    assert [t["subject"] for t in body["results"]] == ["Still stuck", "VM will not boot"]
    assert body["results"][0]["customer_id"] == customer.pk


def test_another_teams_customer_is_not_found(api_for, analyst, other_ticket):
    response = api_for(analyst).get(f"/api/v1/customers/{other_ticket.customer_id}/tickets/")
    assert response.status_code == 404
    assert "no customer" in error_of(response)["message"]


def test_it_merges(api_for, analyst, pair):
    first, second = pair
    response = api_for(analyst).post(
        f"/api/v1/tickets/{second.pk}/merge/", {"into": first.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == first.pk
    merged = api_for(analyst).get(f"/api/v1/tickets/{second.pk}/").json()
    assert (merged["merged_into"], merged["status"]) == (first.pk, "closed")
    assert first.messages.count() == 2


def test_merge_refusals(api_for, analyst, curator, pair, make_ticket, other_team, customer):
    first, second = pair
    api = api_for(analyst)
    stranger = make_ticket(customer=CustomerFactory())
    response = api.post(f"/api/v1/tickets/{second.pk}/merge/", {"into": stranger.pk})
    assert response.status_code == 422
    assert "different customers" in error_of(response)["message"]
    theirs = services.ticket_create(team=other_team, customer=customer, subject="x", body="y")
    response = api.post(f"/api/v1/tickets/{second.pk}/merge/", {"into": theirs.pk})
    assert response.status_code == 404
    assert api.post(f"/api/v1/tickets/{theirs.pk}/merge/", {"into": first.pk}).status_code == 404
    assert api.post(f"/api/v1/tickets/{second.pk}/merge/", {"into": "x"}).status_code == 400
    assert api.post(f"/api/v1/tickets/{second.pk}/merge/", {}).status_code == 400
    response = api_for(curator).post(f"/api/v1/tickets/{second.pk}/merge/", {"into": first.pk})
    assert response.status_code == 403
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_it_lists_a_tickets_ratings(api_for, analyst, other_analyst, ticket):
    services.ticket_change_status(ticket=ticket, actor=analyst, status=Ticket.Status.RESOLVED)
    rating_services.rating_save(ticket=ticket, rating="good", comment="Fast")
    response = api_for(analyst).get(f"/api/v1/tickets/{ticket.pk}/ratings/")
    assert response.status_code == 200
    [rating] = response.json()["results"]
    assert (rating["rating"], rating["comment"]) == ("good", "Fast")
    assert api_for(other_analyst).get(f"/api/v1/tickets/{ticket.pk}/ratings/").status_code == 404
