"""Replies by email, handed to a real SMTP server running in the test process."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.tickets.test_attachments import PDF, PNG
from tickets import mail, services, tasks
from tickets.models import Message, MessageEmail

HX = {"HX-Request": "true"}


@pytest.fixture
def send_reply(client, analyst, django_capture_on_commit_callbacks):
    client.force_login(analyst)

    def send(ticket, body="Please try a hard reboot.", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("tickets:reply", args=[ticket.pk]), {"body": body, **fields}, headers=HX
            )
        assert response.status_code == 200, response.text
        return ticket.messages.latest("seq")

    return send


def test_it_emails_an_analysts_public_reply(smtp_server, send_reply, ticket):
    message = send_reply(ticket)
    sent = MessageEmail.objects.get(message=message)
    assert sent.status == MessageEmail.Status.SENT
    assert sent.sent_at is not None
    assert sent.attempts == 1
    [received] = smtp_server.mails
    assert received["To"] == "priya@example.com"
    assert received["Message-ID"] == sent.rfc_message_id
    assert received["Subject"] == f"Re: [#{ticket.pk}] VM will not boot"
    assert received["Auto-Submitted"] is None
    body = received.get_content()
    assert "Please try a hard reboot." in body
    assert "/support/t/" in body  # the portal link
    assert body.count("http://localhost:8000/") == 1


def test_internal_notes_never_leave(smtp_server, send_reply, ticket):
    message = send_reply(ticket, "Hypervisor looks broken", internal="on")
    assert message.internal
    assert not MessageEmail.objects.exists()
    assert smtp_server.mails == []


def test_customers_without_a_real_address_are_not_emailed(smtp_server, send_reply, make_ticket):
    imported = CustomerFactory(name="Old", email="old-1@imported.invalid")
    ticket = make_ticket(customer=imported)
    send_reply(ticket)
    assert not MessageEmail.objects.exists()
    assert smtp_server.mails == []


def test_it_can_be_switched_off(smtp_server, send_reply, ticket, settings):
    settings.VIGIL_EMAIL_REPLIES = False
    send_reply(ticket)
    assert smtp_server.mails == []


def test_replies_are_threaded(smtp_server, send_reply, ticket):
    first = send_reply(ticket, "First answer.")
    second = send_reply(ticket, "Second answer.")
    first_id = first.email.rfc_message_id
    second_mail = MessageEmail.objects.get(message=second)
    assert second_mail.in_reply_to == first_id
    assert second_mail.references == first_id
    received = smtp_server.mails[1]
    assert received["In-Reply-To"] == first_id
    assert received["References"] == first_id
    assert received["Message-ID"] == second_mail.rfc_message_id != first_id


def test_a_reply_answers_the_customers_own_email(smtp_server, send_reply, ticket):
    MessageEmail.objects.create(
        message=ticket.messages.get(),
        direction=MessageEmail.Direction.INBOUND,
        rfc_message_id="<abc@customer.example.com>",
        address="priya@example.com",
        status=MessageEmail.Status.RECEIVED,
        created_at=timezone.now(),
    )
    ticket.email_address = "compute@support.example.com"
    ticket.save(update_fields=["email_address"])
    send_reply(ticket)
    [received] = smtp_server.mails
    assert received["In-Reply-To"] == "<abc@customer.example.com>"
    assert "compute@support.example.com" in received["From"]
    assert "Compute support" in received["From"]


def test_a_copilot_auto_reply_is_emailed_as_automatic(
    smtp_server, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_create(
            ticket=ticket, kind=Message.Kind.COPILOT, body="Restart it.", email=True
        )
    [received] = smtp_server.mails
    assert received["Auto-Submitted"] == "auto-replied"
    assert "(automatic answer)" in received.get_content()


def test_a_message_made_without_asking_for_email_is_not_sent(smtp_server, ticket, reply):
    reply(ticket)  # seeding, replay and imports write replies this way
    assert not MessageEmail.objects.exists()


def test_a_refused_recipient_fails_at_once_with_the_error(smtp_server, send_reply, ticket):
    smtp_server.recorder.refuse_rcpt = "550 5.1.1 No such user here"
    message = send_reply(ticket)
    failed = MessageEmail.objects.get(message=message)
    assert failed.status == MessageEmail.Status.FAILED
    assert "No such user here" in failed.error
    assert failed.next_attempt_at is None


def test_a_temporary_failure_is_retried_later(smtp_server, send_reply, ticket, settings):
    settings.VIGIL_EMAIL_RETRY_SECONDS = 60
    smtp_server.recorder.refuse_data = "451 4.3.0 Try again later"
    message = send_reply(ticket)
    waiting = MessageEmail.objects.get(message=message)
    assert waiting.status == MessageEmail.Status.QUEUED
    assert "Try again later" in waiting.error
    assert "try 1 of" in waiting.error
    assert waiting.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert tasks.send_due_emails() == 0  # not due yet
    smtp_server.recorder.refuse_data = ""
    waiting.next_attempt_at = timezone.now()
    waiting.save(update_fields=["next_attempt_at"])
    assert tasks.send_due_emails() == 1
    waiting.refresh_from_db()
    assert waiting.status == MessageEmail.Status.SENT
    assert waiting.attempts == 2
    assert len(smtp_server.mails) == 1


def test_a_server_that_is_down_is_retried_then_given_up(send_reply, ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.VIGIL_EMAIL_MAX_ATTEMPTS = 2
    message = send_reply(ticket)
    waiting = MessageEmail.objects.get(message=message)
    assert waiting.status == MessageEmail.Status.QUEUED
    assert "ConnectionRefusedError" in waiting.error
    MessageEmail.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    tasks.send_due_emails()
    waiting.refresh_from_db()
    assert waiting.status == MessageEmail.Status.FAILED
    assert waiting.attempts == 2


def test_a_sent_email_is_never_sent_twice(smtp_server, send_reply, ticket):
    message = send_reply(ticket)
    tasks.send_message_email(message.email.pk)
    assert len(smtp_server.mails) == 1


def test_reachable_addresses():
    assert mail.reachable("a@example.com")
    assert not mail.reachable("cdp-dev-1@imported.invalid")
    assert not mail.reachable("x@host.test")
    assert not mail.reachable("nobody")


def test_the_badge_shows_the_state_on_the_message(client, smtp_server, send_reply, ticket):
    message = send_reply(ticket)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
    assert f'id="message-email-{message.pk}"' in page
    assert "emailed" in page


def test_a_failed_badge_shows_the_error(client, smtp_server, send_reply, ticket):
    smtp_server.recorder.refuse_rcpt = "550 5.1.1 Mailbox unavailable"
    message = send_reply(ticket)
    url = reverse("tickets:message_email", args=[ticket.pk, message.pk])
    response = client.get(url, headers=HX)
    assert response.status_code == 200
    assert "email failed" in response.text
    assert "Mailbox unavailable" in response.text
    assert "hx-trigger" not in response.text  # final: it stops asking


def test_a_queued_badge_asks_again(client, analyst, ticket, reply):
    message = reply(ticket, email=True)  # queued; its task waits for a commit that never comes
    client.force_login(analyst)
    url = reverse("tickets:message_email", args=[ticket.pk, message.pk])
    response = client.get(url, headers=HX)
    assert "email queued" in response.text
    assert 'hx-trigger="every 5s"' in response.text


def test_the_badge_is_refused_to_other_teams_and_other_methods(
    client, other_analyst, analyst, ticket, reply
):
    message = reply(ticket, email=True)
    url = reverse("tickets:message_email", args=[ticket.pk, message.pk])
    client.force_login(other_analyst)
    assert client.get(url).status_code == 404
    client.force_login(analyst)
    assert client.post(url).status_code == 405
    plain = reply(ticket, internal=True, email=True)
    assert (
        client.get(reverse("tickets:message_email", args=[ticket.pk, plain.pk])).status_code == 404
    )


def test_a_persons_reply_through_the_api_is_emailed_a_service_accounts_is_not(
    smtp_server, analyst, ticket, team, django_capture_on_commit_callbacks
):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from integrations import services as integration_services

    def post(user, body):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/tickets/{ticket.pk}/messages/create/",
                {"body": body, "kind": "analyst"},
                format="json",
            )
        assert response.status_code == 201, response.content
        return Message.objects.get(pk=response.json()["id"])

    mailed = post(analyst, "From the API")
    bridge = integration_services.integration_create(name="Chat", slug="chat", team=team)
    not_mailed = post(bridge.integration.service_user, "From the chat bridge")
    assert MessageEmail.objects.filter(message=mailed, status="sent").exists()
    assert not MessageEmail.objects.filter(message=not_mailed).exists()
    assert len(smtp_server.mails) == 1


def test_a_public_replys_files_go_with_its_email(smtp_server, send_reply, ticket, media_root):
    files = [
        SimpleUploadedFile("invoice.pdf", PDF, content_type="text/html"),
        SimpleUploadedFile("screen.png", PNG),
    ]
    message = send_reply(ticket, "Your invoice and a screenshot.", attachments=files)
    assert message.attachments.count() == 2
    [received] = smtp_server.mails
    parts = {part.get_filename(): part for part in received.iter_attachments()}
    assert set(parts) == {"invoice.pdf", "screen.png"}
    # Sent as the type read from the content, whatever the browser said it was.
    assert parts["invoice.pdf"].get_content_type() == "application/pdf"
    assert parts["invoice.pdf"].get_content() == PDF
    assert parts["screen.png"].get_content() == PNG
    assert "Your invoice and a screenshot." in received.get_body(("plain",)).get_content()


def test_an_internal_notes_files_are_never_emailed(smtp_server, send_reply, ticket, media_root):
    note = send_reply(
        ticket,
        "Host log, for us",
        internal="on",
        attachments=[SimpleUploadedFile("host.log", b"hypervisor-7 crashed")],
    )
    assert note.internal
    assert note.attachments.get().name == "host.log"
    assert not MessageEmail.objects.exists()
    # Nor does a later public reply carry them.
    send_reply(ticket, "We are on it.")
    [received] = smtp_server.mails
    assert list(received.iter_attachments()) == []
    assert "hypervisor-7" not in received.as_string()
