"""Files on the portal: customers attach them; the private link is their only key, and an
internal note's files never reach them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tickets.test_attachments import PDF, PNG
from tickets import selectors, services
from tickets.attachments import IncomingFile
from tickets.models import Attachment, Message, Ticket

HX = {"HX-Request": "true"}


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="image/png")


def new_ticket_form(**overrides):
    data = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "team": "compute",
        "subject": "Console shows an error",
        "body": "Screenshot attached.",
        "client_token": "",
    }
    return {**data, **overrides}


def file_url(ticket, attachment, *, preview=False):
    token = selectors.portal_token_for(ticket)
    path = reverse("portal:attachment", args=[token, attachment.pk])
    return path + ("?preview=1" if preview else "")


@pytest.fixture
def with_files(ticket, analyst, media_root):
    """A public reply with a PDF, an internal note with a log, the customer's screenshot."""
    services.message_create(
        ticket=ticket,
        kind=Message.Kind.ANALYST,
        author=analyst,
        body="Your invoice.",
        files=[IncomingFile("invoice.pdf", PDF)],
    )
    services.message_create(
        ticket=ticket,
        kind=Message.Kind.ANALYST,
        author=analyst,
        internal=True,
        body="Hypervisor log",
        files=[IncomingFile("hypervisor.log", b"secret host names")],
    )
    services.message_create(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="Here it is",
        files=[IncomingFile("screen.png", PNG)],
    )
    return {a.name: a for a in Attachment.objects.all()}


def test_a_new_ticket_keeps_the_customers_files(client, team, media_root):
    response = client.post(
        reverse("portal:new"), new_ticket_form(attachments=[upload("s.png", PNG)])
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    [kept] = ticket.messages.get().attachments.all()
    assert (kept.name, kept.content_type) == ("s.png", "image/png")
    page = client.get(response.url).text
    assert f'src="{file_url(ticket, kept, preview=True)}"' in page


def test_a_refused_file_opens_no_ticket_and_says_why(client, team, media_root):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 64
    response = client.post(
        reverse("portal:new"), new_ticket_form(attachments=[upload("s.png", program)])
    )
    assert response.status_code == 400
    assert "s.png: files of type application/x-msdownload are not accepted" in response.text
    assert "Nothing was sent: choose the files again." in response.text
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_the_new_ticket_form_offers_the_picker(client, team):
    page = client.get(reverse("portal:new")).text
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="attachments"' in page
    assert "accepted: Excel, PDF, Word, ZIP, images, text and logs" in page


def test_a_reply_keeps_its_files(client, ticket, media_root, django_capture_on_commit_callbacks):
    url = reverse("portal:reply", args=[selectors.portal_token_for(ticket)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"body": "The log", "attachments": [upload("boot.log", b"line 1\n")]}, headers=HX
        )
    assert response.status_code == 200
    message = ticket.messages.latest("seq")
    assert message.kind == Message.Kind.CUSTOMER
    [kept] = message.attachments.all()
    assert (kept.name, kept.content_type) == ("boot.log", "text/plain")
    assert file_url(ticket, kept) in response.text


def test_a_refused_reply_file_is_named(client, ticket, media_root, settings):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 10
    url = reverse("portal:reply", args=[selectors.portal_token_for(ticket)])
    response = client.post(url, {"body": "The log", "attachments": [upload("boot.log", b"x" * 11)]})
    assert response.status_code == 400
    assert "boot.log: 11\xa0bytes is over the limit of 10\xa0bytes." in response.text
    assert ticket.messages.count() == 1


def test_the_customer_gets_the_public_files(client, ticket, with_files):
    response = client.get(file_url(ticket, with_files["invoice.pdf"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    image = client.get(file_url(ticket, with_files["screen.png"], preview=True))
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline;")


def test_an_internal_notes_file_never_reaches_the_customer(client, ticket, with_files):
    note_file = with_files["hypervisor.log"]
    assert client.get(file_url(ticket, note_file)).status_code == 404
    page = client.get(reverse("portal:ticket", args=[selectors.portal_token_for(ticket)])).text
    assert "invoice.pdf" in page
    assert "screen.png" in page
    assert "hypervisor.log" not in page


def test_another_tickets_link_gets_nothing(client, ticket, with_files, make_ticket):
    other = make_ticket(subject="Another of the same customer")
    token = selectors.portal_token_for(other)
    wrong = reverse("portal:attachment", args=[token, with_files["invoice.pdf"].pk])
    assert client.get(wrong).status_code == 404


def test_a_tampered_link_gets_403(client, ticket, with_files):
    token = selectors.portal_token_for(ticket)[:-2] + "xx"
    url = reverse("portal:attachment", args=[token, with_files["invoice.pdf"].pk])
    assert client.get(url).status_code == 403


def test_only_get_is_allowed(client, ticket, with_files):
    assert client.post(file_url(ticket, with_files["invoice.pdf"])).status_code == 405


def test_the_portal_conversation_fragment_lists_files_with_portal_urls(client, ticket, with_files):
    token = selectors.portal_token_for(ticket)
    fragment = client.get(reverse("portal:conversation", args=[token]), headers=HX).text
    assert file_url(ticket, with_files["invoice.pdf"]) in fragment
    assert "/tickets/" not in fragment  # never a console URL the customer cannot open
