import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Ticket, TicketEvent

BULK = reverse("tickets:bulk")


@pytest.fixture
def three(make_ticket):
    return [make_ticket(subject=f"Problem {n}") for n in range(3)]


def post(client, tickets, **data):
    return client.post(BULK, {"tickets": [t.pk for t in tickets], **data})


def test_it_sets_the_status_of_each_ticket_and_records_it(client, analyst, three):
    client.force_login(analyst)
    response = post(client, three, action="status", status="waiting")
    assert response.status_code == 302
    for ticket in three:
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.WAITING
        assert ticket.events.filter(kind=TicketEvent.Kind.STATUS, actor=analyst).exists()
    page = client.get(response.url)
    assert "Changed #" in page.text


def test_refused_tickets_are_named_and_the_others_changed(client, analyst, three, other_ticket):
    services.ticket_change_status(ticket=three[0], actor=analyst, status="closed")
    client.force_login(analyst)
    response = post(client, [*three, other_ticket], action="status", status="waiting")
    page = client.get(response.url).text
    assert f"#{three[0].pk}: A closed ticket cannot be set to waiting on customer." in page
    assert f"#{other_ticket.pk}: there is no ticket #{other_ticket.pk} in your teams" in page
    three[1].refresh_from_db()
    assert three[1].status == Ticket.Status.WAITING
    other_ticket.refresh_from_db()
    assert other_ticket.status == Ticket.Status.NEW
    assert not other_ticket.events.filter(actor=analyst).exists()


def test_it_assigns_to_me_and_to_a_team_member(client, analyst, three, other_analyst):
    client.force_login(analyst)
    post(client, three[:2], action="assign", assignee="me")
    assert {t.assignee_id for t in Ticket.objects.filter(pk__in=[three[0].pk, three[1].pk])} == {
        analyst.pk
    }
    response = post(client, three[:1], action="assign", assignee=str(other_analyst.pk))
    page = client.get(response.url).text
    assert "cannot work Compute tickets" in page
    post(client, three[:1], action="assign", assignee="none")
    three[0].refresh_from_db()
    assert three[0].assignee is None


def test_it_adds_and_removes_tags_and_sets_priority(client, analyst, three):
    services.ticket_set_tags(ticket=three[0], actor=analyst, tags="old, keep")
    client.force_login(analyst)
    post(client, three, action="add_tags", tags="Disk, old")
    post(client, three, action="remove_tags", tags="old")
    post(client, three, action="priority", priority="4")
    tickets = Ticket.objects.filter(pk__in=[t.pk for t in three]).order_by("pk")
    assert [t.tags for t in tickets] == [["keep", "disk"], ["disk"], ["disk"]]
    assert {t.priority for t in tickets} == {Ticket.Priority.URGENT}


def test_it_moves_tickets_to_another_team(client, manager, three, other_team):
    client.force_login(manager)
    response = post(client, three, action="team", team=other_team.slug)
    assert response.status_code == 302
    assert set(Ticket.objects.values_list("team__slug", flat=True)) == {"billing"}


def test_an_analyst_cannot_move_to_a_team_not_theirs(client, analyst, three, other_team):
    client.force_login(analyst)
    response = post(client, three, action="team", team=other_team.slug)
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert set(Ticket.objects.values_list("team__slug", flat=True)) == {"compute"}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": "status"}, "Choose the status to set."),
        ({"action": "status", "status": "gone"}, "Select a valid choice"),
        ({"action": "priority", "priority": "9"}, "Select a valid choice"),
        ({"action": "add_tags", "tags": " , "}, "Write the tags"),
        ({"action": "explode"}, "Select a valid choice"),
        ({"action": "assign", "assignee": "999999"}, "That person does not exist."),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(client, analyst, three, data, error):
    client.force_login(analyst)
    response = post(client, three, **data)
    assert response.status_code == 400
    assert error in response.text
    assert "checked" in response.text  # the ticks are kept
    assert not TicketEvent.objects.exclude(kind=TicketEvent.Kind.CREATED).exists()


def test_no_ticket_or_a_bad_number_is_refused(client, analyst, db):
    client.force_login(analyst)
    response = client.post(BULK, {"action": "status", "status": "open"})
    assert response.status_code == 400
    assert "Tick at least one ticket." in response.text
    response = client.post(BULK, {"action": "status", "status": "open", "tickets": ["x1"]})
    assert response.status_code == 400
    assert "is not a ticket number" in response.text


def test_readers_and_the_wrong_method_are_refused(client, curator, three):
    client.force_login(curator)
    assert post(client, three, action="status", status="open").status_code == 403
    assert "bulk-bar" not in client.get(reverse("tickets:queue")).text
    assert client.get(BULK).status_code == 405
    assert Ticket.objects.filter(status=Ticket.Status.OPEN).count() == 0


def test_the_queue_returns_with_its_filters(client, analyst, three):
    client.force_login(analyst)
    response = client.post(
        BULK + "?status=all&q=Problem",
        {"tickets": [three[0].pk], "action": "priority", "priority": "3"},
    )
    assert response.url == reverse("tickets:queue") + "?status=all&q=Problem"
