import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from tickets import services
from tickets.models import Message, Ticket, TicketEvent
from tickets.signals import message_created, ticket_status_changed

Status = Ticket.Status


def test_it_creates_a_ticket_with_its_first_message_and_event(ticket, customer):
    assert ticket.status == Status.NEW
    [message] = ticket.messages.all()
    assert message.kind == Message.Kind.CUSTOMER
    assert message.author_name == customer.name
    assert ticket.events.get().kind == TicketEvent.Kind.CREATED


@pytest.mark.parametrize("body", ["", "   ", "\n\t  \n"])
def test_it_refuses_empty_messages(ticket, analyst, body):
    with pytest.raises(services.TicketError, match="empty"):
        services.message_create(ticket=ticket, kind=Message.Kind.ANALYST, body=body, author=analyst)
    assert ticket.messages.count() == 1


@override_settings(VIGIL_MAX_MESSAGE_CHARS=50)
def test_it_refuses_messages_over_the_limit(ticket, analyst):
    with pytest.raises(services.TicketError, match="limited to 50 characters; this one has 51"):
        services.message_create(
            ticket=ticket, kind=Message.Kind.ANALYST, body="x" * 51, author=analyst
        )
    services.message_create(ticket=ticket, kind=Message.Kind.ANALYST, body="x" * 50)
    assert ticket.messages.count() == 2


def test_it_strips_message_text(ticket, reply):
    assert reply(ticket, "  hello  \n").body == "hello"


def test_it_stores_a_repeated_external_id_once(ticket):
    first, created = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="hi", external_id="abc"
    )
    again, created_again = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="hi", external_id="abc"
    )
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert ticket.messages.filter(external_id="abc").count() == 1


def test_the_same_external_id_may_appear_on_two_tickets(make_ticket):
    one, two = make_ticket(), make_ticket()
    for t in (one, two):
        services.message_create(ticket=t, kind="customer", body="hi", external_id="x")
    assert Message.objects.filter(external_id="x").count() == 2


def test_customers_cannot_write_internal_notes(ticket):
    with pytest.raises(services.TicketError):
        services.message_create(ticket=ticket, kind="customer", body="hi", internal=True)


def test_first_public_reply_opens_a_new_ticket_and_sets_first_response(ticket, reply):
    message = reply(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at == message.created_at


def test_a_withdrawn_first_response_falls_to_the_next_public_reply_or_none(ticket, reply):
    update = reply(ticket, "We are on it.")
    services.ticket_first_response_withdraw(ticket=ticket, message=update)
    assert ticket.first_response_at is None
    answer = reply(
        ticket, "Boot the previous kernel.", at=update.created_at + dt.timedelta(hours=1)
    )
    reply(ticket, "A note.", internal=True, at=update.created_at + dt.timedelta(minutes=5))
    services.ticket_first_response_withdraw(ticket=ticket, message=update)  # not the first: no-op
    ticket.refresh_from_db()
    assert ticket.first_response_at == answer.created_at


def test_a_withdrawn_first_response_with_a_later_reply_already_sent(ticket, reply):
    update = reply(ticket, "We are on it.")
    answer = reply(
        ticket, "Boot the previous kernel.", at=update.created_at + dt.timedelta(hours=1)
    )
    services.ticket_first_response_withdraw(ticket=ticket, message=update)
    ticket.refresh_from_db()
    assert ticket.first_response_at == answer.created_at


def test_internal_note_is_not_a_first_response(ticket, reply):
    reply(ticket, "checking logs", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.first_response_at is None


@pytest.mark.parametrize("start", [Status.WAITING, Status.RESOLVED, Status.CLOSED])
def test_a_customer_message_reopens_the_ticket(ticket, analyst, start):
    if start == Status.CLOSED:
        services.ticket_change_status(ticket=ticket, actor=analyst, status=Status.RESOLVED)
    services.ticket_change_status(ticket=ticket, actor=analyst, status=start)
    services.message_create(ticket=ticket, kind="customer", body="still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolved_at is None
    assert ticket.events.filter(kind="status").last().new_value == Status.OPEN


@pytest.mark.parametrize(
    ("path", "end"),
    [
        ([Status.OPEN, Status.WAITING, Status.OPEN, Status.RESOLVED, Status.CLOSED], "closed"),
        ([Status.RESOLVED, Status.OPEN], "open"),
        ([Status.CLOSED, Status.OPEN], "open"),
    ],
)
def test_it_follows_valid_transitions(ticket, analyst, path, end):
    for status in path:
        services.ticket_change_status(ticket=ticket, actor=analyst, status=status)
    assert Ticket.objects.get(pk=ticket.pk).status == end
    assert ticket.status == end


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([Status.CLOSED], Status.RESOLVED),
        ([Status.CLOSED], Status.WAITING),
        ([Status.OPEN], Status.NEW),
        ([Status.RESOLVED], Status.WAITING),
    ],
)
def test_it_refuses_invalid_transitions(ticket, analyst, path, bad):
    for status in path:
        services.ticket_change_status(ticket=ticket, actor=analyst, status=status)
    with pytest.raises(services.TicketError, match="cannot be set to"):
        services.ticket_change_status(ticket=ticket, actor=analyst, status=bad)
    assert Ticket.objects.get(pk=ticket.pk).status == path[-1]


def test_it_refuses_unknown_statuses(ticket, analyst):
    with pytest.raises(services.TicketError, match="Unknown status"):
        services.ticket_change_status(ticket=ticket, actor=analyst, status="deleted")


def test_setting_the_same_status_records_nothing(ticket, analyst):
    services.ticket_change_status(ticket=ticket, actor=analyst, status=Status.NEW)
    assert not ticket.events.filter(kind="status").exists()


def test_resolving_stamps_and_announces(ticket, analyst, django_capture_on_commit_callbacks):
    seen = []

    def listener(**kwargs):
        seen.append((kwargs["old_status"], kwargs["new_status"]))

    ticket_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_change_status(ticket=ticket, actor=analyst, status=Status.RESOLVED)
    finally:
        ticket_status_changed.disconnect(listener)
    assert seen == [(Status.NEW, Status.RESOLVED)]
    assert Ticket.objects.get(pk=ticket.pk).resolved_at is not None


def test_message_created_is_sent_on_commit_only(ticket, django_capture_on_commit_callbacks):
    seen = []

    def listener(message, **kwargs):
        seen.append(message.body)

    message_created.connect(listener)
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            services.message_create(ticket=ticket, kind="customer", body="ping")
            assert seen == []
        for callback in callbacks:
            callback()
    finally:
        message_created.disconnect(listener)
    assert seen == ["ping"]


def test_it_assigns_team_members_only(ticket, analyst, other_analyst):
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    assert Ticket.objects.get(pk=ticket.pk).assignee == analyst
    with pytest.raises(services.TicketError, match="cannot work Compute tickets"):
        services.ticket_assign(ticket=ticket, actor=analyst, assignee=other_analyst)
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=None)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    assert ticket.events.filter(kind="assignee").count() == 2


def test_curators_cannot_be_assigned(ticket, analyst, curator):
    with pytest.raises(services.TicketError):
        services.ticket_assign(ticket=ticket, actor=analyst, assignee=curator)


def test_it_normalises_tags():
    assert services.normalise_tags(" Disk Full, disk full,, GPU!, ") == ["disk-full", "gpu"]
    with pytest.raises(services.TicketError, match="at most 10"):
        services.normalise_tags([f"t{i}" for i in range(11)])


def test_it_sets_priority_and_tags_with_events(ticket, analyst):
    services.ticket_set_priority(ticket=ticket, actor=analyst, priority=Ticket.Priority.URGENT)
    services.ticket_set_tags(ticket=ticket, actor=analyst, tags="boot, kernel")
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT
    assert ticket.tags == ["boot", "kernel"]
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "priority", "tags"]
    with pytest.raises(services.TicketError):
        services.ticket_set_priority(ticket=ticket, actor=analyst, priority=9)


def test_moving_a_ticket_drops_an_assignee_outside_the_new_team(ticket, analyst, other_team):
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    services.ticket_move(ticket=ticket, actor=analyst, team=other_team)
    ticket.refresh_from_db()
    assert ticket.team == other_team
    assert ticket.assignee is None


def test_it_closes_tickets_resolved_long_ago(make_ticket, analyst):
    old, recent = make_ticket(), make_ticket()
    long_ago = timezone.now() - dt.timedelta(days=8)
    services.ticket_change_status(ticket=old, actor=analyst, status="resolved", at=long_ago)
    services.ticket_change_status(ticket=recent, actor=analyst, status="resolved")
    assert services.tickets_auto_close(older_than=dt.timedelta(days=7)) == 1
    assert Ticket.objects.get(pk=old.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=recent.pk).status == Status.RESOLVED


def test_a_message_id_cannot_be_reused_by_another_kind_of_sender(ticket, reply):
    reply(ticket, "internal only", internal=True, external_id="k1")
    with pytest.raises(services.TicketError, match="already belongs"):
        services.message_create(ticket=ticket, kind="customer", body="hi", external_id="k1")
    assert not ticket.messages.filter(kind="customer", body="hi").exists()


def test_the_portal_cannot_rename_an_existing_customer(customer):
    again = services.customer_get_or_create(name="Mallory", email=customer.email.upper())
    assert again == customer
    again.refresh_from_db()
    assert again.name == "Priya Raman"


def test_a_form_opens_its_ticket_once(team):
    args = {
        "team": team,
        "name": "Ada",
        "email": "ada@example.com",
        "subject": "s",
        "body": "b",
        "ip": "198.51.100.4",
    }
    first, created = services.ticket_open_once(key="portal-new:k", **args)
    second, created_again = services.ticket_open_once(key="portal-new:k", **args)
    assert created
    assert not created_again
    assert first == second
    elsewhere, created_elsewhere = services.ticket_open_once(
        key="portal-new:k", **{**args, "ip": "198.51.100.5"}
    )
    assert created_elsewhere
    assert elsewhere != first


@pytest.mark.parametrize("layers", [{}, None], ids=["no layer", "in-memory layer"])
def test_a_message_is_rendered_for_the_sockets_only_when_there_is_a_layer(
    settings, make_ticket, django_capture_on_commit_callbacks, layers
):
    from channels.layers import channel_layers
    from django.test.signals import template_rendered

    if layers is not None:
        settings.CHANNEL_LAYERS = layers  # a replay or an import: nobody is listening
    channel_layers.backends.clear()
    rendered: list[str] = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        ticket = make_ticket(subject="Quiet")
        with django_capture_on_commit_callbacks(execute=True):
            services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body="Hello?")
    finally:
        template_rendered.disconnect(seen)
        channel_layers.backends.clear()
    assert ("tickets/partials/message.html" in rendered) is (layers is None)
