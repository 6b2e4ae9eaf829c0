"""A customer's page: their tickets the viewer may see."""

from django.urls import reverse

from tests.factories import CustomerFactory
from tickets import merge_services, services


def customer_url(customer):
    return reverse("tickets:customer", args=[customer.pk])


def test_it_lists_the_customers_tickets_in_my_teams(
    client, analyst, customer, make_ticket, other_team
):
    first = make_ticket(subject="VM will not boot")
    second = make_ticket(subject="Disk is slow")
    hidden = services.ticket_create(
        team=other_team, customer=customer, subject="Invoice question", body="?"
    )
    make_ticket(customer=CustomerFactory(), subject="Someone else's")
    client.force_login(analyst)
    response = client.get(customer_url(customer))
    assert response.status_code == 200
    page = response.text
    assert "Priya Raman" in page
    assert "priya@example.com" in page
    assert page.index("Disk is slow") < page.index("VM will not boot")  # newest first
    assert f'href="/tickets/{first.pk}/"' in page
    assert f'href="/tickets/{second.pk}/"' in page
    assert "Invoice question" not in page
    assert f"/tickets/{hidden.pk}/" not in page
    assert "Someone else" not in page
    assert 'class="badge status-new"' in page


def test_a_merged_ticket_says_where_it_went(client, analyst, customer, make_ticket):
    first, second = make_ticket(), make_ticket()
    merge_services.ticket_merge(source=second, target=first, actor=analyst)
    client.force_login(analyst)
    page = client.get(customer_url(customer)).text
    assert f'merged into <a href="/tickets/{first.pk}/">#{first.pk}</a>' in page


def test_a_customer_of_other_teams_only_is_not_found(client, analyst, other_ticket):
    client.force_login(analyst)
    response = client.get(customer_url(other_ticket.customer))
    assert response.status_code == 404
    assert other_ticket.customer.email not in response.text
    assert client.get("/tickets/customers/999999/").status_code == 404


def test_a_manager_sees_every_team(client, manager, other_ticket):
    client.force_login(manager)
    response = client.get(customer_url(other_ticket.customer))
    assert response.status_code == 200
    assert other_ticket.subject in response.text


def test_curators_read_it_strangers_do_not(client, curator, nobody, ticket):
    client.force_login(curator)
    assert client.get(customer_url(ticket.customer)).status_code == 200
    client.force_login(nobody)
    assert client.get(customer_url(ticket.customer)).status_code == 403
    client.logout()
    assert client.get(customer_url(ticket.customer)).status_code == 302


def test_it_pages_and_refuses_other_methods(client, analyst, customer, make_ticket, settings):
    settings.VIGIL_QUEUE_PAGE_SIZE = 2
    for n in range(3):
        make_ticket(subject=f"Problem {n}")
    client.force_login(analyst)
    first = client.get(customer_url(customer)).text
    assert "1\u20132 of 3" in first  # an en dash
    assert "Problem 0" not in first
    assert "Problem 0" in client.get(customer_url(customer), {"page": 2}).text
    assert client.post(customer_url(customer)).status_code == 405
