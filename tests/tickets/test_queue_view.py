import pytest
from django.urls import reverse

from tickets import services

URL = reverse("tickets:queue")


def test_it_lists_only_my_teams_tickets(client, analyst, ticket, other_ticket):
    client.force_login(analyst)
    response = client.get(URL)
    assert response.status_code == 200
    assert ticket.subject in response.text
    assert other_ticket.subject not in response.text


def test_managers_see_every_team(client, manager, ticket, other_ticket):
    client.force_login(manager)
    response = client.get(URL + "?status=all")
    assert ticket.subject in response.text
    assert other_ticket.subject in response.text


def test_it_serves_the_results_fragment_to_htmx(client, analyst, ticket):
    client.force_login(analyst)
    response = client.get(URL, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="queue-results">')
    assert "<html" not in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=new", {"VM will not boot"}),
        ("status=open", {"Printer on fire"}),
        ("status=all", {"VM will not boot", "Printer on fire", "Old news"}),
        ("status=active", {"VM will not boot", "Printer on fire"}),
        ("priority=4", {"Printer on fire"}),
        # Replying to the printer ticket made it the analyst's (the team's default).
        ("assignee=me&status=all", {"Old news", "Printer on fire"}),
        ("assignee=none", {"VM will not boot"}),
        ("q=toner&status=all", {"Printer on fire"}),
        ("q=PRINTER", {"Printer on fire"}),
        # A search looks at every status unless one is chosen.
        ("q=news", {"Old news"}),
        ("q=news&status=active", set()),
        ("status=", {"VM will not boot", "Printer on fire"}),
        ("team=compute&status=all", {"VM will not boot", "Printer on fire", "Old news"}),
        ("team=billing&status=all", set()),
    ],
)
def test_it_filters(client, analyst, ticket, make_ticket, reply, query, expected):
    printer = make_ticket(subject="Printer on fire", body="The toner is smoking", priority=4)
    reply(printer, "Unplug it")
    old = make_ticket(subject="Old news")
    services.ticket_assign(ticket=old, actor=analyst, assignee=analyst)
    services.ticket_change_status(ticket=old, actor=analyst, status="closed")
    client.force_login(analyst)
    response = client.get(f"{URL}?{query}", headers={"HX-Request": "true"})
    shown = {s for s in ["VM will not boot", "Printer on fire", "Old news"] if s in response.text}
    assert shown == expected


def test_it_finds_a_ticket_by_number(client, analyst, ticket, make_ticket):
    make_ticket(subject="Another")
    client.force_login(analyst)
    response = client.get(f"{URL}?q=%23{ticket.pk}", headers={"HX-Request": "true"})
    assert ticket.subject in response.text
    assert "Another" not in response.text


def test_it_sorts_and_paginates(client, analyst, make_ticket, settings):
    settings.VIGIL_QUEUE_PAGE_SIZE = 2
    for n in range(5):
        make_ticket(subject=f"Ticket {n}", priority=1 + n % 4)
    client.force_login(analyst)
    first = client.get(URL + "?sort=created_at", headers={"HX-Request": "true"}).text
    assert "Ticket 0" in first
    assert "Ticket 1" in first
    assert "Ticket 2" not in first
    assert "Page 1 of 3" in first
    last = client.get(URL + "?sort=created_at&page=3", headers={"HX-Request": "true"}).text
    assert "Ticket 4" in last
    assert "page=2" in last
    by_priority = client.get(URL + "?sort=-priority", headers={"HX-Request": "true"}).text
    assert by_priority.index("Ticket 3") < by_priority.index("Ticket 2")
    assert "Ticket 0" not in by_priority


def test_bad_filter_values_are_ignored(client, analyst, ticket):
    client.force_login(analyst)
    response = client.get(URL + "?status=bogus&priority=x&sort=drop+table&page=999&assignee=z")
    assert response.status_code == 200
    assert ticket.subject in response.text


def test_it_marks_unread_tickets_until_opened(client, analyst, ticket):
    client.force_login(analyst)
    assert "dot-new" in client.get(URL).text
    client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert 'class="dot' not in client.get(URL).text
    services.message_create(ticket=ticket, kind="customer", body="anything new?")
    page = client.get(URL).text
    assert 'title="New activity"' in page


def test_it_redirects_anonymous_users_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_users_without_a_role(client, nobody):
    client.force_login(nobody)
    assert client.get(URL).status_code == 403


def test_it_refuses_post(client, analyst):
    client.force_login(analyst)
    assert client.post(URL).status_code == 405
