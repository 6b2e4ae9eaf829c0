"""The email digest: opt-in per user, each notification listed once, only tickets the user
may read, sent through Django's email framework to a real SMTP server."""

import pytest

from tests.factories import UserFactory
from tickets import notification_digest, notification_services, services, tasks
from tickets.models import Message, Notification


@pytest.fixture
def colleague(team):
    return UserFactory(
        username="lena", first_name="Lena", last_name="Berg", roles=["analyst"], teams=[team]
    )


@pytest.fixture
def subscribed(analyst):
    analyst.email = "sam@example.com"
    analyst.save()
    notification_services.notification_settings_update(user=analyst, email_digest=True)
    return analyst


def test_it_emails_the_unread_notifications_once(smtp_server, subscribed, colleague, ticket):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=subscribed)
    services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body="Any news on this?")
    assert tasks.send_notification_digests() == 1
    (mail,) = smtp_server.recorder.mails
    assert mail["To"] == "sam@example.com"
    assert mail["Subject"] == "Vigil: 2 unread notifications"
    text = mail.get_content()
    assert f"Lena Berg assigned #{ticket.pk} to you: VM will not boot" in text
    assert "“Any news on this?”" in text
    assert f"http://localhost:8000/tickets/{ticket.pk}/" in text
    assert "http://localhost:8000/tickets/notifications/" in text
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    # Nothing new: no second mail.
    assert tasks.send_notification_digests() == 0
    assert len(smtp_server.recorder.mails) == 1


def test_read_ones_and_other_teams_tickets_are_left_out(
    smtp_server, subscribed, colleague, make_ticket, other_team, manager
):
    read, moved, waiting = make_ticket(), make_ticket(), make_ticket(subject="Still unread")
    for ticket in (read, moved, waiting):
        services.ticket_assign(ticket=ticket, actor=colleague, assignee=subscribed)
    notification_services.notifications_read_for_ticket(user=subscribed, ticket=read)
    services.ticket_move(ticket=moved, actor=manager, team=other_team)
    assert notification_digest.digests_send() == 1
    text = smtp_server.recorder.mails[0].get_content()
    assert "Still unread" in text
    assert f"#{read.pk} " not in text
    assert f"#{moved.pk} " not in text


def test_nobody_is_emailed_without_turning_it_on(smtp_server, analyst, colleague, ticket):
    analyst.email = "sam@example.com"
    analyst.save()
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    assert notification_digest.digests_send() == 0
    notification_services.notification_settings_update(user=analyst, email_digest=True)
    notification_services.notification_settings_update(user=analyst, email_digest=False)
    assert notification_digest.digests_send() == 0
    assert smtp_server.recorder.mails == []


def test_a_refused_mail_is_tried_again_next_time(smtp_server, subscribed, colleague, ticket):
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=subscribed)
    smtp_server.recorder.refuse_data = "451 4.3.0 try later"
    assert notification_digest.digests_send() == 0
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 1
    smtp_server.recorder.refuse_data = ""
    assert notification_digest.digests_send() == 1
