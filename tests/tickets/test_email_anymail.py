"""Replies sent through a django-anymail backend, chosen with VIGIL_EMAIL_BACKEND: anymail's
own test backend stands in for a provider (Postmark, Mailgun, SES…) and records what it was
handed, with the provider's answer for each recipient."""

import pytest
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.message import AnymailRecipientStatus
from django.core import mail as django_mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tickets.test_attachments import PDF
from tests.vigil_site.test_https_setting import load_settings
from tickets.models import MessageEmail

HX = {"HX-Request": "true"}
ANYMAIL_TEST_BACKEND = "anymail.backends.test.EmailBackend"


class RejectingBackend(AnymailTestBackend):
    """Anymail's test backend, with the provider rejecting every recipient (a hard bounce
    on record, say), as a real provider's API answers."""

    def post_to_esp(self, payload, message):
        super().post_to_esp(payload, message)
        rejected = AnymailRecipientStatus(message_id="rejected-1", status="rejected")
        return {"recipient_status": dict.fromkeys(payload.recipient_emails, rejected)}


@pytest.fixture
def anymail_backend(monkeypatch, settings):
    """EMAIL_BACKEND as the settings read it from the documented variable."""
    loaded = load_settings(
        monkeypatch,
        VIGIL_EMAIL_BACKEND=ANYMAIL_TEST_BACKEND,
        ANYMAIL_TEST_SERVER_TOKEN="test-token",
    )
    assert loaded.EMAIL_BACKEND == ANYMAIL_TEST_BACKEND
    assert loaded.ANYMAIL == {"TEST_SERVER_TOKEN": "test-token"}
    settings.EMAIL_BACKEND = loaded.EMAIL_BACKEND
    settings.ANYMAIL = loaded.ANYMAIL
    django_mail.outbox = []
    return loaded


@pytest.fixture
def send_reply(client, analyst, media_root, django_capture_on_commit_callbacks):
    client.force_login(analyst)

    def send(ticket, body, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("tickets:reply", args=[ticket.pk]), {"body": body, **fields}, headers=HX
            )
        assert response.status_code == 200, response.text
        return ticket.messages.latest("seq")

    return send


def test_replies_go_out_through_anymail_threaded(anymail_backend, send_reply, ticket):
    first = send_reply(ticket, "First answer.")
    second = send_reply(
        ticket, "Your invoice.", attachments=[SimpleUploadedFile("invoice.pdf", PDF)]
    )
    first_mail = MessageEmail.objects.get(message=first)
    second_mail = MessageEmail.objects.get(message=second)
    assert first_mail.status == second_mail.status == MessageEmail.Status.SENT
    assert first_mail.sent_at is not None
    assert first_mail.attempts == 1
    assert first_mail.error == ""

    sent_first, sent_second = django_mail.outbox
    # Anymail handed each to the "provider", which accepted it.
    assert sent_first.anymail_status.status == {"sent"}
    assert sent_second.anymail_status.recipients["priya@example.com"].status == "sent"
    assert sent_first.to == ["priya@example.com"]
    assert sent_first.subject == f"Re: [#{ticket.pk}] VM will not boot"
    headers = sent_second.message()
    assert headers["Message-ID"] == second_mail.rfc_message_id
    assert headers["In-Reply-To"] == first_mail.rfc_message_id
    assert headers["References"] == first_mail.rfc_message_id
    assert sent_first.message()["Message-ID"] == first_mail.rfc_message_id
    # What a provider's API is given: the threading headers travel with the message.
    params = sent_second.anymail_test_params
    assert params["extra_headers"] == {
        "Message-ID": second_mail.rfc_message_id,
        "In-Reply-To": first_mail.rfc_message_id,
        "References": first_mail.rfc_message_id,
    }
    [attached] = params["attachments"]
    assert (attached.name, attached.mimetype, attached.content) == (
        "invoice.pdf",
        "application/pdf",
        PDF,
    )


def test_internal_notes_never_reach_the_provider(anymail_backend, send_reply, ticket):
    send_reply(ticket, "Only for us", internal="on")
    assert django_mail.outbox == []
    assert not MessageEmail.objects.exists()


def test_a_provider_refusal_is_final_and_shown(anymail_backend, send_reply, ticket, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RejectingBackend"
    message = send_reply(ticket, "Try a restart.")
    sent = MessageEmail.objects.get(message=message)
    assert sent.status == MessageEmail.Status.FAILED
    assert sent.error.startswith("AnymailRecipientsRefused:")
    assert sent.next_attempt_at is None
    assert sent.attempts == 1
