import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import UserFactory
from tickets import macro_services, placeholders, selectors
from tickets.models import Macro, MacroUse, Ticket, TicketEvent

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_user(team):
    return UserFactory(username="ada", roles=["admin"], teams=[team])


@pytest.fixture
def mine(analyst):
    return macro_services.macro_create(
        actor=analyst, name="Restart", body="Hi {{ customer_first_name }}, please restart."
    )


@pytest.fixture
def team_macro(admin_user, team):
    return macro_services.macro_create(
        actor=admin_user,
        name="Refund done",
        body="Refunded on {{ ticket_number }}. See {{ portal_link }} — {{ analyst_name }}",
        team=team,
        set_status=Ticket.Status.WAITING,
        set_priority=Ticket.Priority.HIGH,
        add_tags=["Refund", "billing"],
    )


@pytest.fixture
def strangers(other_team, other_analyst, analyst):
    """Another analyst's personal macro and another team's macro."""
    theirs = macro_services.macro_create(actor=other_analyst, name="Olga's", body="secret")
    admin = UserFactory(username="root", roles=["admin"])
    billing = macro_services.macro_create(
        actor=admin, name="Billing only", body="invoice", team=other_team
    )
    return theirs, billing


# Placeholders


def test_it_fills_every_placeholder(analyst, ticket):
    analyst.first_name, analyst.last_name = "Sam", "Lee"
    context = placeholders.Context(
        customer_name=ticket.customer.name,
        ticket_id=ticket.pk,
        ticket_subject=ticket.subject,
        portal_link="https://x.test/p",
        analyst=analyst,
    )
    body = " | ".join("{{ " + name + " }}" for name in placeholders.PLACEHOLDERS)
    assert placeholders.fill(body, context) == (
        f"Priya Raman | Priya | #{ticket.pk} | VM will not boot | https://x.test/p | Sam Lee | Sam"
    )


def test_an_unknown_placeholder_is_left_as_written_when_used(analyst, ticket):
    Macro.objects.create(owner=analyst, name="Old", body="Hi {{ name }} {{customer_name}}")
    macro = Macro.objects.get(name="Old")
    filled = macro_services.macro_fill(macro=macro, ticket=ticket, actor=analyst, portal_link="")
    assert filled == "Hi {{ name }} Priya Raman"


def test_an_unknown_placeholder_is_refused_when_saved(analyst):
    with pytest.raises(ValidationError) as error:
        macro_services.macro_create(actor=analyst, name="Bad", body="Hi {{ nmae }} and {{ }}")
    text = str(error.value)
    assert "Unknown placeholders {{ nmae }}, {{ }}" in text
    assert "{{ customer_name }}" in text
    assert not Macro.objects.exists()


# Services


def test_only_admins_make_team_macros(analyst, team):
    with pytest.raises(PermissionDenied):
        macro_services.macro_create(actor=analyst, name="T", body="x", team=team)


def test_a_macro_is_a_teams_or_a_persons_not_both(analyst, team):
    macro = Macro(name="x", body="x", team=team, owner=analyst)
    with pytest.raises(ValidationError, match="either to a team or to one person"):
        macro.full_clean()


def test_sending_with_a_macro_applies_its_changes_and_counts_it(analyst, ticket, team_macro, reply):
    message = reply(ticket, "Refunded.")
    warnings = macro_services.macros_apply(
        macros=[team_macro], ticket=ticket, actor=analyst, message=message
    )
    assert warnings == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.tags == ["refund", "billing"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.STATUS, TicketEvent.Kind.PRIORITY, TicketEvent.Kind.TAGS} <= kinds
    assert MacroUse.objects.filter(macro=team_macro, ticket=ticket, user=analyst).count() == 1
    # The same reply again (a retry) neither counts nor applies twice.
    macro_services.macros_apply(macros=[team_macro], ticket=ticket, actor=analyst, message=message)
    assert MacroUse.objects.count() == 1


def test_a_status_the_ticket_cannot_take_is_a_warning(analyst, admin_user, ticket, team, reply):
    macro = macro_services.macro_create(actor=admin_user, name="Reset", body="Bye", team=team)
    from tickets import services

    services.ticket_change_status(ticket=ticket, actor=analyst, status=Ticket.Status.RESOLVED)
    services.ticket_change_status(ticket=ticket, actor=analyst, status=Ticket.Status.CLOSED)
    message = reply(ticket, "Bye")
    ticket.refresh_from_db()
    to_new = macro_services.macro_update(macro=macro, actor=admin_user, set_status="new")
    warnings = macro_services.macros_apply(
        macros=[to_new], ticket=ticket, actor=analyst, message=message
    )
    assert len(warnings) == 1
    assert "did not change the status" in warnings[0]


# Selectors: who sees what


def test_a_user_sees_their_own_and_their_teams_macros_only(
    analyst, ticket, mine, team_macro, strangers
):
    assert set(selectors.macros_for_user(analyst)) == {mine, team_macro}
    assert set(selectors.macros_for_ticket(analyst, ticket)) == {mine, team_macro}
    assert list(selectors.macros_for_ticket(analyst, ticket, q="refund")) == [team_macro]
    assert list(selectors.macros_for_ticket(analyst, ticket, q="RESTART")) == [mine]


def test_a_curator_has_no_macros(curator, ticket, team_macro):
    assert not selectors.macros_for_user(curator).exists()
    assert not selectors.macros_for_ticket(curator, ticket).exists()


# Views: the reply box


def test_the_picker_fills_bodies_for_the_ticket(client, analyst, ticket, mine, team_macro):
    client.force_login(analyst)
    response = client.get(reverse("tickets:macro_picker", args=[ticket.pk]), {"q": "refund"})
    assert response.status_code == 200
    assert f"Refunded on #{ticket.pk}" in response.text
    assert "/support/" in response.text  # the portal link
    assert "status → Waiting on customer" in response.text
    assert "Restart" not in response.text


def test_the_picker_never_offers_strangers_macros(client, analyst, ticket, strangers):
    client.force_login(analyst)
    text = client.get(reverse("tickets:macro_picker", args=[ticket.pk])).text
    assert "Olga's" not in text
    assert "Billing only" not in text
    assert "no macros for this ticket" in text


def test_the_picker_refuses_other_teams_tickets_and_readers(
    client, analyst, curator, other_ticket, ticket
):
    client.force_login(analyst)
    assert client.get(reverse("tickets:macro_picker", args=[other_ticket.pk])).status_code == 404
    client.force_login(curator)
    assert client.get(reverse("tickets:macro_picker", args=[ticket.pk])).status_code == 403
    assert client.post(reverse("tickets:macro_picker", args=[ticket.pk])).status_code == 405


def test_a_reply_sent_with_a_macro_applies_it(client, analyst, ticket, team_macro):
    client.force_login(analyst)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Refunded.", "macros": [team_macro.pk], "client_token": "t1"},
        headers=HX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.tags == ["refund", "billing"]
    assert MacroUse.objects.get().message.body == "Refunded."


def test_a_reply_with_someone_elses_macro_is_refused_and_nothing_sent(
    client, analyst, ticket, strangers
):
    theirs, billing = strangers
    client.force_login(analyst)
    for macro_id in (theirs.pk, billing.pk, "abc"):
        response = client.post(
            reverse("tickets:reply", args=[ticket.pk]),
            {"body": "Hello", "macros": [macro_id]},
            headers=HX,
        )
        assert response.status_code == 422
        assert "Hello" in response.text
    assert "not one of yours or this ticket" in response.text or "not a macro id" in response.text
    assert ticket.messages.count() == 1
    assert not MacroUse.objects.exists()


# Views: the macros page


def test_the_page_lists_mine_and_my_teams(client, analyst, mine, team_macro, strangers):
    client.force_login(analyst)
    response = client.get(reverse("tickets:macros"))
    assert response.status_code == 200
    assert "Restart" in response.text
    assert "Refund done" in response.text
    assert "Olga&#x27;s" not in response.text
    assert "Billing only" not in response.text
    assert reverse("tickets:macro_edit", args=[mine.pk]) in response.text
    assert reverse("tickets:macro_edit", args=[team_macro.pk]) not in response.text


def test_an_analyst_creates_edits_and_deletes_their_macro(client, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("tickets:macro_create"),
        {"name": "Ack", "body": "Hi {{ customer_name }}", "add_tags": "seen, Triage"},
    )
    assert response.status_code == 302
    macro = Macro.objects.get(name="Ack")
    assert macro.owner == analyst
    assert macro.add_tags == ["seen", "triage"]
    edit = reverse("tickets:macro_edit", args=[macro.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": "Ack 2", "body": "Hello", "set_priority": "4"})
    assert response.status_code == 302
    macro.refresh_from_db()
    assert (macro.name, macro.body, macro.set_priority) == ("Ack 2", "Hello", 4)
    assert client.post(reverse("tickets:macro_delete", args=[macro.pk])).status_code == 302
    assert not Macro.objects.exists()


def test_a_bad_macro_is_a_form_error(client, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("tickets:macro_create"), {"name": "Bad", "body": "Hi {{ custmer }}"}
    )
    assert response.status_code == 400
    assert "Unknown placeholder {{ custmer }}" in response.text
    response = client.post(
        reverse("tickets:macro_create"),
        {"name": "", "body": "x", "set_status": "nope", "set_priority": "9"},
    )
    assert response.status_code == 400
    assert not Macro.objects.exists()


def test_an_analyst_cannot_touch_others_or_team_macros(client, analyst, team_macro, strangers):
    theirs, billing = strangers
    client.force_login(analyst)
    for macro in (theirs, billing):
        assert client.get(reverse("tickets:macro_edit", args=[macro.pk])).status_code == 404
        assert client.post(reverse("tickets:macro_delete", args=[macro.pk])).status_code == 404
    assert client.get(reverse("tickets:macro_edit", args=[team_macro.pk])).status_code == 403
    assert client.post(reverse("tickets:macro_delete", args=[team_macro.pk])).status_code == 403
    assert Macro.objects.count() == 3
    # A team the analyst names in the form is ignored: the field is not theirs.
    client.post(reverse("tickets:macro_create"), {"name": "Sneaky", "body": "x", "team": "billing"})
    assert Macro.objects.get(name="Sneaky").owner == analyst


def test_an_admin_makes_a_team_macro_in_the_console(client, admin_user, team):
    client.force_login(admin_user)
    response = client.post(
        reverse("tickets:macro_create"), {"name": "Team one", "body": "x", "team": team.slug}
    )
    assert response.status_code == 302
    macro = Macro.objects.get(name="Team one")
    assert (macro.team, macro.owner) == (team, None)
    # The box is ticked on a new form; sent unticked, the copilot does not offer it.
    assert (
        "checked"
        in client.get(reverse("tickets:macros"))
        .content.decode()
        .split('name="copilot_offers"')[1]
        .split(">")[0]
    )
    assert macro.copilot_offers is False
    client.post(
        reverse("tickets:macro_edit", args=[macro.pk]),
        {"name": "Team one", "body": "x", "copilot_offers": "on"},
    )
    macro.refresh_from_db()
    assert macro.copilot_offers is True


def test_readers_have_no_macros_page(client, curator, nobody):
    for user in (curator, nobody):
        client.force_login(user)
        assert client.get(reverse("tickets:macros")).status_code == 403
        assert (
            client.post(reverse("tickets:macro_create"), {"name": "x", "body": "x"}).status_code
            == 403
        )
    assert not Macro.objects.exists()


def test_the_page_refuses_the_wrong_method(client, analyst):
    client.force_login(analyst)
    assert client.post(reverse("tickets:macros")).status_code == 405
    assert client.get(reverse("tickets:macro_create")).status_code == 405


def test_a_teams_macros_are_offered_on_that_teams_tickets_only(
    analyst, other_team, ticket, team_macro, strangers
):
    """An analyst of two teams sees both teams' macros on the Macros page, but a ticket offers
    only its own team's."""
    other_team.members.add(analyst)
    _, billing = strangers
    assert billing in set(selectors.macros_for_user(analyst))
    assert set(selectors.macros_for_ticket(analyst, ticket)) == {team_macro}


def test_only_a_teams_macro_asks_whether_the_copilot_offers_it(client, analyst, mine):
    client.force_login(analyst)
    assert 'name="copilot_offers"' not in client.get(reverse("tickets:macros")).text
    edit = reverse("tickets:macro_edit", args=[mine.pk])
    assert 'name="copilot_offers"' not in client.get(edit).text
    response = client.post(edit, {"name": "Mine again", "body": "Hi"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Mine again"
