from tickets import services
from tickets.models import Message, TicketEvent


def public_reply(ticket, user, text="Try restarting it.", internal=False):
    services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, body=text, author=user, internal=internal
    )
    ticket.refresh_from_db()
    return ticket


def test_replying_in_public_to_an_unassigned_ticket_takes_it(ticket, analyst):
    public_reply(ticket, analyst)
    assert ticket.assignee == analyst
    event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNEE)
    assert (event.actor, event.old_value) == (analyst, "")


def test_an_internal_note_or_an_assigned_ticket_changes_no_assignee(
    ticket, analyst, other_analyst, team
):
    public_reply(ticket, analyst, internal=True)
    assert ticket.assignee is None
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    team.members.add(other_analyst)
    public_reply(ticket, other_analyst)
    assert ticket.assignee == analyst


def test_a_team_can_turn_it_off(ticket, analyst, team):
    team.assign_on_reply = False
    team.save()
    public_reply(ticket, analyst)
    assert ticket.assignee is None
