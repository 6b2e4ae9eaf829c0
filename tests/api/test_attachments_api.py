"""Files through the API: sent with a message (multipart), listed, downloaded behind the
ticket's access check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import error_of
from tests.tickets.test_attachments import PDF, PNG
from tickets.attachments import IncomingFile
from tickets.models import Attachment, Message


def create(ticket):
    return f"/api/v1/tickets/{ticket.pk}/messages/create/"


def listing(ticket):
    return f"/api/v1/tickets/{ticket.pk}/attachments/"


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def note_with_file(ticket, reply, media_root):
    return reply(ticket, "Host log", internal=True, files=[IncomingFile("host.log", b"hv-7")])


def test_a_message_is_sent_with_files(api_for, analyst, ticket, media_root):
    payload = {
        "body": "Invoice and screenshot",
        "files": [upload("inv.pdf", PDF), upload("s.png", PNG)],
    }
    response = api_for(analyst).post(create(ticket), payload, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(f["name"], f["content_type"], f["size"]) for f in body["attachments"]] == [
        ("inv.pdf", "application/pdf", len(PDF)),
        ("s.png", "image/png", len(PNG)),
    ]
    first = Attachment.objects.get(name="inv.pdf")
    assert body["attachments"][0]["url"] == f"/api/v1/tickets/{ticket.pk}/attachments/{first.pk}/"
    assert body["attachments"][0]["message"] == body["id"]


def test_an_internal_note_with_a_file_through_multipart(api_for, analyst, ticket, media_root):
    payload = {"body": "For us", "internal": "true", "files": [upload("trace.txt", b"oops")]}
    response = api_for(analyst).post(create(ticket), payload, format="multipart")
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    assert message.internal
    assert message.attachments.get().name == "trace.txt"


def test_a_refused_file_is_a_400_naming_it(api_for, analyst, ticket, media_root, settings):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 50
    payload = {"body": "Here", "files": [upload("ok.txt", b"fine"), upload("big.pdf", PDF)]}
    response = api_for(analyst).post(create(ticket), payload, format="multipart")
    assert response.status_code == 400
    error = error_of(response)
    assert error["fields"]["files"] == ["big.pdf: 73\xa0bytes is over the limit of 50\xa0bytes."]
    assert not ticket.messages.filter(body="Here").exists()
    assert not Attachment.objects.exists()


def test_a_type_not_accepted_is_a_400(api_for, analyst, ticket, media_root):
    payload = {"body": "Here", "files": [upload("x.png", b"\x00\x01\x02\x03")]}
    response = api_for(analyst).post(create(ticket), payload, format="multipart")
    assert response.status_code == 400
    [reason] = error_of(response)["fields"]["files"]
    assert reason.startswith("x.png: files of type application/octet-stream are not accepted")


def test_json_messages_still_work_and_list_no_files(api_for, analyst, ticket):
    response = api_for(analyst).post(create(ticket), {"body": "Plain"}, format="json")
    assert response.status_code == 201
    assert response.json()["attachments"] == []


def test_the_conversation_lists_each_messages_files(api_for, analyst, ticket, note_with_file):
    response = api_for(analyst).get(f"/api/v1/tickets/{ticket.pk}/messages/")
    results = response.json()["results"]
    assert [[f["name"] for f in m["attachments"]] for m in results] == [[], ["host.log"]]


def test_the_tickets_files_are_listed_and_downloaded(api_for, analyst, ticket, note_with_file):
    client = api_for(analyst)
    response = client.get(listing(ticket))
    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert (listed["name"], listed["content_type"], listed["message"]) == (
        "host.log",
        "text/plain",
        note_with_file.pk,
    )
    download = client.get(listed["url"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="host.log"'
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"hv-7"
    # A client that asks for the file's bytes by type gets them too.
    asked = client.get(listed["url"], HTTP_ACCEPT="application/octet-stream")
    assert asked.status_code == 200


def test_another_team_gets_404(api_for, other_analyst, ticket, note_with_file):
    client = api_for(other_analyst)
    attachment = note_with_file.attachments.get()
    assert client.get(listing(ticket)).status_code == 404
    response = client.get(f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_file_is_found_only_under_its_own_ticket(
    api_for, analyst, ticket, make_ticket, note_with_file
):
    other = make_ticket(subject="Another")
    attachment = note_with_file.attachments.get()
    response = api_for(analyst).get(f"/api/v1/tickets/{other.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_a_curator_may_read_but_not_send(api_for, curator, ticket, note_with_file):
    client = api_for(curator)
    assert client.get(listing(ticket)).status_code == 200
    payload = {"body": "x", "files": [upload("a.txt", b"a")]}
    assert client.post(create(ticket), payload, format="multipart").status_code == 403


def test_without_credentials_it_is_401(anonymous, ticket, note_with_file):
    assert anonymous.get(listing(ticket)).status_code == 401
