"""Who is told what: assignments, customers' replies, @-mentions in notes, first responses
about to be late; each only to people who may read the ticket, and never at the cost of the
change itself."""

import datetime as dt
import logging

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from tests.factories import UserFactory
from tickets import notification_selectors, notification_services, services
from tickets.models import Message, Notification, SlaWarning, Ticket

Kind = Notification.Kind


@pytest.fixture
def colleague(team):
    return UserFactory(
        username="lena", first_name="Lena", last_name="Berg", roles=["analyst"], teams=[team]
    )


def notes_of(user):
    return list(Notification.objects.filter(user=user).values_list("kind", "ticket_id"))


def test_it_tells_the_assignee_who_assigned_them(ticket, analyst, colleague):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    notification = Notification.objects.get(user=analyst)
    assert notification.kind == Kind.ASSIGNED
    assert notification.summary == f"Lena Berg assigned #{ticket.pk} to you"
    assert notes_of(colleague) == []


def test_taking_a_ticket_yourself_tells_nobody(ticket, analyst, reply):
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    reply(make := ticket, "On it")  # replying does not notify either
    assert make.assignee_id == analyst.pk
    assert Notification.objects.count() == 0


def test_the_same_assignee_again_is_no_news(ticket, analyst, colleague):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    assert notes_of(analyst) == [(Kind.ASSIGNED, ticket.pk)]


def test_a_customer_reply_tells_the_assignee_with_its_start(ticket, analyst, colleague):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    message, _ = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="Still stuck.\n\nIt reboots " + "x" * 300
    )
    notification = Notification.objects.get(user=analyst, kind=Kind.CUSTOMER_REPLY)
    assert notification.message == message
    assert notification.summary == f"Priya Raman replied on #{ticket.pk}"
    assert notification.excerpt.startswith("Still stuck. It reboots")
    assert len(notification.excerpt) == notification_services.EXCERPT_CHARS


def test_a_customer_reply_on_an_unassigned_ticket_tells_nobody(ticket):
    services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body="Hello?")
    assert Notification.objects.count() == 0


def test_an_assignee_who_left_the_team_is_not_told(ticket, analyst, colleague, team):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    team.members.remove(analyst)
    services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body="Hello?")
    assert notes_of(analyst) == [(Kind.ASSIGNED, ticket.pk)]


def test_a_note_tells_the_people_it_mentions_who_may_read_the_ticket(
    ticket, analyst, colleague, other_analyst, curator, manager
):
    body = "@lena, and @olga: see this. cc @cora @max @sam @ghost. Not mail: ops@lena.example"
    services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, body=body, author=analyst, internal=True
    )
    told = set(Notification.objects.values_list("user__username", flat=True))
    # olga works another team; sam wrote it; ghost is nobody.
    assert told == {"lena", "cora", "max"}
    notification = Notification.objects.get(user=colleague)
    assert notification.kind == Kind.MENTION
    assert notification.summary == (
        f"{analyst.get_full_name()} mentioned you in a note on #{ticket.pk}"
    )


def test_a_name_followed_by_a_full_stop_is_mentioned(ticket, analyst, colleague):
    services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, body="Ask @lena.", author=analyst, internal=True
    )
    assert notes_of(colleague) == [(Kind.MENTION, ticket.pk)]


def test_a_public_reply_mentions_nobody(ticket, analyst, colleague, reply):
    reply(ticket, "Our colleague @lena will look at it.")
    assert notes_of(colleague) == []


def test_an_inactive_user_is_not_mentioned(ticket, analyst, colleague):
    colleague.is_active = False
    colleague.save()
    services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, body="@lena?", author=analyst, internal=True
    )
    assert Notification.objects.count() == 0


def test_a_failing_notification_never_loses_the_message(ticket, analyst, colleague, caplog):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    # A real failure: the table is gone (inside this test's transaction, rolled back after).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tickets_notification RENAME TO tickets_notification_away")
    with caplog.at_level(logging.ERROR, logger="tickets.notification_services"):
        message, created = services.message_create(
            ticket=ticket, kind=Message.Kind.CUSTOMER, body="Are you there?"
        )
        services.ticket_assign(ticket=ticket, actor=analyst, assignee=colleague)
    assert created
    assert ticket.messages.filter(pk=message.pk).exists()
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.pk
    assert "could not notify: message" in caplog.text
    assert f"could not notify: assignment of #{ticket.pk}" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tickets_notification_away RENAME TO tickets_notification")


def test_notifications_of_a_ticket_that_left_your_teams_are_hidden(
    ticket, analyst, colleague, other_team, manager
):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    assert notification_selectors.unread_count(analyst) == 1
    services.ticket_move(ticket=ticket, actor=manager, team=other_team)
    assert notification_selectors.unread_count(analyst) == 0
    assert list(notification_selectors.notifications_for_user(analyst)) == []
    assert Notification.objects.filter(user=analyst).count() == 1


def test_marking_read_one_all_and_by_opening_the_ticket(make_ticket, analyst, colleague):
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    for ticket in (first, second, third):
        services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    one = Notification.objects.get(user=analyst, ticket=first)
    notification_services.notification_mark_read(notification=one)
    assert notification_selectors.unread_count(analyst) == 2
    assert notification_services.notifications_read_for_ticket(user=analyst, ticket=second) == 1
    assert notification_selectors.unread_count(analyst) == 1
    assert notification_services.notifications_mark_all_read(user=analyst) == 1
    assert notification_selectors.unread_count(analyst) == 0


def _opened(make_ticket, hours_ago, priority=Ticket.Priority.URGENT, **kwargs):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return make_ticket(priority=priority, at=at, **kwargs)


def test_a_first_response_about_to_be_late_tells_the_team_once(
    make_ticket, analyst, colleague, curator, other_analyst, settings
):
    settings.VIGIL_SLA_FIRST_RESPONSE_HOURS = {4: 2, 3: 8, 2: 24, 1: 48}
    due_soon = _opened(make_ticket, 1.6)  # urgent: 2 h, a quarter left after 1 h 30
    _opened(make_ticket, 1.2)  # not yet
    _opened(make_ticket, 30)  # long past: history, not news
    assert notification_services.first_responses_warn() == 1
    assert notification_services.first_responses_warn() == 0
    told = set(Notification.objects.values_list("user__username", "ticket_id"))
    # Whoever works the team's tickets (not the curator, nor another team's analyst).
    assert told == {("sam", due_soon.pk), ("lena", due_soon.pk)}
    assert SlaWarning.objects.get().ticket == due_soon
    assert (
        Notification.objects.first().summary == f"The first response on #{due_soon.pk} is due soon"
    )


def test_an_assigned_ticket_warns_its_assignee_only(make_ticket, analyst, colleague, manager):
    normal = _opened(make_ticket, 19, priority=Ticket.Priority.NORMAL)  # 24 h: due in 5 h
    services.ticket_assign(ticket=normal, actor=manager, assignee=colleague)
    Notification.objects.all().delete()
    assert notification_services.first_responses_warn() == 1
    assert notes_of(colleague) == [(Kind.SLA, normal.pk)]
    assert notes_of(analyst) == []


def test_answered_waiting_finished_or_imported_tickets_are_not_warned(
    make_ticket, analyst, reply, manager
):
    answered = _opened(make_ticket, 1.7)
    reply(answered, "Looking")
    resolved = _opened(make_ticket, 1.7)
    services.ticket_change_status(ticket=resolved, actor=manager, status="resolved")
    imported = _opened(make_ticket, 1.7)
    Ticket.objects.filter(pk=imported.pk).update(import_id="old-1")
    assert notification_services.first_responses_warn() == 0


def test_the_checks_are_scheduled(db):
    funcs = set(Schedule.objects.values_list("func", flat=True))
    assert "tickets.tasks.warn_first_responses_due" in funcs
    assert "tickets.tasks.send_notification_digests" in funcs


def test_a_message_notification_bears_the_messages_time(ticket, analyst, colleague):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    written = timezone.now() - dt.timedelta(hours=3)
    services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="Sent from a plane", at=written
    )
    assert Notification.objects.get(kind=Kind.CUSTOMER_REPLY).created_at == written
