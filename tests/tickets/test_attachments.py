"""A message's files: kept by their sniffed type, served only to who may read the ticket."""

import pytest
from django.urls import reverse

from tickets import attachments
from tickets.attachments import IncomingFile
from tickets.models import Attachment

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c636460f85f0f000287018063e47ba90000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def files(ticket, media_root):
    message = ticket.messages.get()
    refused = attachments.attachments_save(
        message=message,
        files=[
            IncomingFile("screen.png", PNG),
            IncomingFile("invoice.pdf", PDF),
            IncomingFile("page.html", b"<html><script>alert(1)</script></html>"),
            IncomingFile("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64),
        ],
    )
    assert refused == ["setup.exe: files of type application/x-msdownload are not kept"]
    return {a.name: a for a in Attachment.objects.filter(message=message)}


def url(ticket, attachment, **query):
    path = reverse("tickets:attachment", args=[ticket.pk, attachment.pk])
    return path + ("?preview=1" if query.get("preview") else "")


def test_types_come_from_the_content(files):
    assert files["screen.png"].content_type == "image/png"
    assert files["invoice.pdf"].content_type == "application/pdf"
    assert files["page.html"].content_type == "text/plain"
    assert "setup.exe" not in files


def test_sniffing_ignores_the_name():
    assert attachments.sniff(PNG) == "image/png"
    assert attachments.sniff(b"plain words") == "text/plain"
    assert attachments.sniff(b"\x00\x01\x02\xff") == "application/octet-stream"


def test_it_downloads_a_file_as_an_attachment(client, analyst, ticket, files):
    client.force_login(analyst)
    response = client.get(url(ticket, files["page.html"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="page.html"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"<html>")


def test_an_image_may_preview_inline(client, analyst, ticket, files):
    client.force_login(analyst)
    response = client.get(url(ticket, files["screen.png"], preview=True))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    # Anything else asked for as a preview is still a download.
    other = client.get(url(ticket, files["page.html"], preview=True))
    assert other["Content-Disposition"].startswith("attachment;")


def test_the_files_are_listed_on_their_message(client, analyst, ticket, files):
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
    assert url(ticket, files["invoice.pdf"]) in page
    assert "invoice.pdf" in page
    assert f'src="{url(ticket, files["screen.png"], preview=True)}"' in page


def test_curators_of_the_team_may_read(client, curator, ticket, files):
    client.force_login(curator)
    assert client.get(url(ticket, files["invoice.pdf"])).status_code == 200


def test_another_team_and_strangers_get_nothing(
    client, other_analyst, nobody, make_ticket, ticket, files, analyst
):
    client.force_login(other_analyst)
    assert client.get(url(ticket, files["invoice.pdf"])).status_code == 404
    client.force_login(nobody)
    assert client.get(url(ticket, files["invoice.pdf"])).status_code == 403
    client.logout()
    assert client.get(url(ticket, files["invoice.pdf"])).status_code == 302
    # A file is found only under its own ticket, whatever ticket the user may read.
    client.force_login(analyst)
    readable = make_ticket(subject="Another of the team's tickets")
    wrong = reverse("tickets:attachment", args=[readable.pk, files["invoice.pdf"].pk])
    assert client.get(wrong).status_code == 404


def test_only_get_is_allowed(client, analyst, ticket, files):
    client.force_login(analyst)
    assert client.post(url(ticket, files["invoice.pdf"])).status_code == 405
