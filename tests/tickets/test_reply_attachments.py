"""Files an analyst attaches in the reply box, to a public reply or an internal note."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tickets.test_attachments import PDF, PNG
from tickets.models import Attachment, Message

HX = {"HX-Request": "true"}


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def post_reply(client, analyst, media_root, django_capture_on_commit_callbacks):
    client.force_login(analyst)

    def post(ticket, files, body="See the attached screenshot.", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("tickets:reply", args=[ticket.pk]),
                {"body": body, "attachments": files, **fields},
                headers=HX,
            )

    return post


def test_it_keeps_the_files_of_a_reply(post_reply, ticket):
    response = post_reply(ticket, [upload("screen.png", PNG), upload("invoice.pdf", PDF)])
    assert response.status_code == 200, response.text
    message = ticket.messages.get(kind=Message.Kind.ANALYST)
    kept = {a.name: a.content_type for a in message.attachments.all()}
    assert kept == {"screen.png": "image/png", "invoice.pdf": "application/pdf"}
    # The message sent comes back with its files: the image previewed from its checked URL.
    image = message.attachments.get(name="screen.png")
    preview = reverse("tickets:attachment", args=[ticket.pk, image.pk]) + "?preview=1"
    assert f'src="{preview}"' in response.text


def test_an_internal_note_keeps_its_files(post_reply, ticket):
    response = post_reply(ticket, [upload("trace.txt", b"kernel panic")], internal="on")
    assert response.status_code == 200
    note = ticket.messages.get(internal=True)
    assert note.attachments.get().name == "trace.txt"


def test_a_refused_file_refuses_the_reply_and_says_why(post_reply, ticket, settings):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 50
    response = post_reply(ticket, [upload("screen.png", PNG), upload("big.pdf", PDF)])
    assert response.status_code == 422
    assert "big.pdf: 73\xa0bytes is over the limit of 50\xa0bytes." in response.text
    assert "Nothing was sent: choose the files again." in response.text
    # The text stays in the box; nothing was saved, not even the file that passed.
    assert "See the attached screenshot." in response.text
    assert not ticket.messages.filter(kind=Message.Kind.ANALYST).exists()
    assert not Attachment.objects.exists()


def test_the_type_is_read_from_the_content_not_the_name(post_reply, ticket):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 64
    response = post_reply(ticket, [upload("photo.png", program)])
    assert response.status_code == 422
    assert "photo.png: files of type application/x-msdownload are not accepted" in response.text
    assert not Attachment.objects.exists()


def test_too_many_files_are_refused(post_reply, ticket, settings):
    settings.VIGIL_ATTACHMENT_MAX_FILES = 1
    response = post_reply(ticket, [upload("a.txt", b"a"), upload("b.txt", b"b")])
    assert response.status_code == 422
    assert "At most 1 files may be attached to one message; 2 were." in response.text


def test_without_htmx_a_refusal_is_the_page_with_the_reason(
    client, analyst, ticket, media_root, settings
):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 50
    client.force_login(analyst)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Here", "attachments": [upload("big.pdf", PDF)]},
    )
    assert response.status_code == 400
    assert "big.pdf: 73\xa0bytes is over the limit" in response.text


def test_the_reply_box_offers_the_picker_with_its_limits(client, analyst, ticket, settings):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="attachments"' in page
    assert "Up to 10 files, 2.0\xa0MB each" in page


def test_a_curator_may_not_attach(client, curator, ticket, media_root):
    client.force_login(curator)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Here", "attachments": [upload("a.txt", b"a")]},
        headers=HX,
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_another_team_may_not_attach(client, other_analyst, ticket, media_root):
    client.force_login(other_analyst)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Here", "attachments": [upload("a.txt", b"a")]},
        headers=HX,
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()
