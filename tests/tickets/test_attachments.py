"""A message's files: kept by their sniffed type, served only to who may read the ticket."""

import pytest
from django.core.files.storage import InMemoryStorage
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
    assert refused == [
        "setup.exe: files of type application/x-msdownload are not accepted "
        "(accepted: Excel, PDF, Word, ZIP, images, text and logs)."
    ]
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


def test_a_file_named_like_an_image_is_kept_as_what_it_is(ticket, media_root):
    refused = attachments.attachments_save(
        message=ticket.messages.get(),
        files=[IncomingFile("screenshot.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 64)],
    )
    assert refused == [
        "screenshot.png: files of type application/x-msdownload are not accepted "
        "(accepted: Excel, PDF, Word, ZIP, images, text and logs)."
    ]
    assert not Attachment.objects.exists()


def test_names_lose_folders_and_control_characters():
    assert attachments.clean_name("C:\\Users\\ada\\..\\boot.log") == "boot.log"
    assert attachments.clean_name("../../etc/passwd") == "passwd"
    assert attachments.clean_name('a"b<c>\r\nd.txt') == "abcd.txt"
    assert attachments.clean_name("   ") == "file"


def test_limits_are_checked_together(settings):
    settings.VIGIL_ATTACHMENT_MAX_FILES = 2
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 100
    assert attachments.check([IncomingFile("a.txt", b"a")] * 3) == [
        "At most 2 files may be attached to one message; 3 were."
    ]
    assert attachments.check([IncomingFile("big.txt", b"x" * 101), IncomingFile("e.txt", b"")]) == [
        "big.txt: 101\xa0bytes is over the limit of 100\xa0bytes.",
        "e.txt: the file is empty.",
    ]


def refuse_eicar(name, data, content_type):
    """A scanner as a deployment would name in VIGIL_ATTACHMENT_SCANNER."""
    return "a virus was found (EICAR test file)." if b"EICAR-STANDARD" in data else None


def broken_scanner(name, data, content_type):
    raise ConnectionRefusedError("clamd is not running")


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def test_the_scanner_named_in_settings_decides(settings):
    settings.VIGIL_ATTACHMENT_SCANNER = "tests.tickets.test_attachments.refuse_eicar"
    assert attachments.check([IncomingFile("notes.txt", b"hello")]) == []
    assert attachments.check([IncomingFile("notes.txt", EICAR)]) == [
        "notes.txt: a virus was found (EICAR test file)."
    ]


def test_a_scanner_that_fails_lets_nothing_through(settings, caplog):
    settings.VIGIL_ATTACHMENT_SCANNER = "tests.tickets.test_attachments.broken_scanner"
    assert attachments.check([IncomingFile("notes.txt", b"hello")]) == [
        "notes.txt: the file could not be checked; try again later."
    ]
    assert "the attachment scanner failed on notes.txt" in caplog.text


def test_files_go_to_the_storage_named_in_settings(settings, client, analyst, ticket):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    message = ticket.messages.get()
    attachments.attachments_store(message=message, files=[IncomingFile("invoice.pdf", PDF)])
    stored = Attachment.objects.get()
    assert isinstance(stored.file.storage, InMemoryStorage)
    assert not (settings.MEDIA_ROOT / stored.file.name).exists()
    client.force_login(analyst)
    response = client.get(url(ticket, stored))
    assert b"".join(response.streaming_content) == PDF


def test_storing_is_all_or_nothing(ticket, media_root):
    message = ticket.messages.get()
    with pytest.raises(attachments.AttachmentRefused) as refused:
        attachments.attachments_store(
            message=message, files=[IncomingFile("ok.pdf", PDF), IncomingFile("x.bin", b"\0\1")]
        )
    assert refused.value.reasons == [
        "x.bin: files of type application/octet-stream are not accepted "
        "(accepted: Excel, PDF, Word, ZIP, images, text and logs)."
    ]
    assert not Attachment.objects.exists()
