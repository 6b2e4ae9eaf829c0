"""Mail for a team mailbox through the signed raw-MIME endpoint: a corpus of real-world shapes,
each a clean message or a clear refusal."""

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.urls import reverse

from copilot.models import CopilotRun
from integrations import services, signing
from integrations.models import Mailbox
from tickets.models import Attachment, Message, MessageEmail, Ticket

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def mailbox(team):
    return services.mailbox_create(
        mailbox=Mailbox(
            name="Compute mail",
            slug="compute-mail",
            team=team,
            address="Compute@Support.example.com",
        )
    )


@pytest.fixture
def post_mail(client, mailbox, media_root, django_capture_on_commit_callbacks):
    def post(raw: bytes, *, secret=None, slug=None, headers=None):
        signed = signing.signed_headers(secret or mailbox.secret, raw)
        url = reverse("integrations:mail_inbound", args=[slug or mailbox.slug])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url, data=raw, content_type="message/rfc822", headers={**signed, **(headers or {})}
            )

    return post


def test_it_opens_a_ticket_from_a_new_mail(post_mail, mailbox, team):
    response = post_mail(corpus("plain.eml"))
    assert response.status_code == 201, response.content
    data = response.json()
    ticket = Ticket.objects.get(pk=data["ticket"])
    assert ticket.team == team
    assert ticket.subject == "Cannot reach my VM"
    assert ticket.customer.email == "ada@example.com"
    assert ticket.email_address == "compute@support.example.com"
    message = ticket.messages.get()
    assert message.pk == data["message"]
    assert data["created"] is True
    assert message.kind == Message.Kind.CUSTOMER
    assert "cannot reach my VM vm-42 over SSH" in message.body
    mail = message.email
    assert mail.direction == MessageEmail.Direction.INBOUND
    assert mail.rfc_message_id == "<plain-1@mail.example.com>"
    assert mail.address == "ada@example.com"


def test_the_same_mail_twice_is_one_message(post_mail):
    first = post_mail(corpus("plain.eml")).json()
    again = post_mail(corpus("plain.eml"))
    assert again.status_code == 200
    assert again.json() == {**first, "created": False}
    assert Message.objects.count() == 1


def test_the_copilot_runs_on_a_mailed_question(post_mail):
    data = post_mail(corpus("plain.eml")).json()
    assert CopilotRun.objects.filter(message_id=data["message"]).exists()


def test_quoted_history_and_signature_are_cut_and_the_original_kept(post_mail):
    data = post_mail(corpus("alternative.eml")).json()
    message = Message.objects.get(pk=data["message"])
    assert message.body == (
        "The cleanup job did not help, the disk is full again after an hour.\n\nThanks,\nGrace"
    )
    original = message.email.original
    assert "Please run the cleanup job" in original
    assert "Compilers Inc." in original
    # The ticket's subject without the "Re:" (mail about it will say "Re: [#id] …").
    assert message.ticket.subject == "Disk full on build box"


def test_the_whole_email_is_one_click_away_in_the_console(post_mail, client, analyst):
    data = post_mail(corpus("alternative.eml")).json()
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[data["ticket"]])).text
    assert "Whole email" in page
    assert "&gt; Please run the cleanup job" in page
    plain = post_mail(corpus("plain.eml")).json()  # nothing was cut: nothing more to show
    assert "Whole email" not in client.get(reverse("tickets:detail", args=[plain["ticket"]])).text


def test_html_only_mail_becomes_safe_text(post_mail, client, analyst):
    data = post_mail(corpus("html_only.eml")).json()
    message = Message.objects.get(pk=data["message"])
    assert "When I open the billing page I get an error & a blank screen." in message.body
    assert "<script" not in message.body
    assert "alert" not in message.body
    assert "javascript:" not in message.body
    assert "color: red" not in message.body
    assert "<not a tag> stays as text" in message.body
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[data["ticket"]])).text
    assert "&lt;not a tag&gt; stays as text" in page


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        ("latin1.eml", "Fehler beim Neustart (Grüße)", "»Zugriff verweigert«.\n\nSchöne Grüße"),
        ("windows1252.eml", "VM \u2013 “Problem”", "Grüße aus Köln \u2013 “Zitat” …"),
    ],
)
def test_non_utf8_charsets_are_decoded(post_mail, name, subject, text):
    data = post_mail(corpus(name)).json()
    ticket = Ticket.objects.get(pk=data["ticket"])
    assert ticket.subject == subject
    assert text in ticket.messages.get().body


def test_latin1_sender_name(post_mail):
    data = post_mail(corpus("latin1.eml")).json()
    assert Ticket.objects.get(pk=data["ticket"]).customer.name == "Jürgen Müller"


def test_an_inline_image_is_kept_as_an_attachment(post_mail):
    data = post_mail(corpus("inline_image.eml")).json()
    [image] = Attachment.objects.filter(message_id=data["message"])
    assert image.name == "screenshot.png"
    assert image.content_type == "image/png"
    assert image.file.read().startswith(b"\x89PNG")
    assert Message.objects.get(pk=data["message"]).body == "The console shows this error:"


def test_attachments_are_kept_by_their_content_and_refusals_said(post_mail):
    data = post_mail(corpus("attachment.eml")).json()
    files = {a.name: a for a in Attachment.objects.filter(message_id=data["message"])}
    assert set(files) == {"invoice.pdf", "evil.pdf"}
    assert files["invoice.pdf"].content_type == "application/pdf"
    # Named .pdf and declared application/pdf, but it is text: kept as what it is.
    assert files["evil.pdf"].content_type == "text/plain"
    note = MessageEmail.objects.get(message_id=data["message"]).error
    assert "winmail.dat: files of type application/octet-stream are not accepted" in note


def test_an_attachment_over_the_limit_is_not_kept(post_mail, settings):
    settings.VIGIL_ATTACHMENT_MAX_BYTES = 60
    data = post_mail(corpus("attachment.eml")).json()
    kept = Attachment.objects.filter(message_id=data["message"])
    assert [a.name for a in kept] == ["evil.pdf"]  # 52 bytes
    note = MessageEmail.objects.get(message_id=data["message"]).error
    assert "invoice.pdf: 73\xa0bytes is over the limit of 60\xa0bytes." in note


def test_a_10_mb_mail_lands(post_mail, settings):
    mail = EmailMessage()
    mail["From"], mail["To"] = "big@example.com", "compute@support.example.com"
    mail["Subject"], mail["Message-ID"] = "Core dump", "<big-1@example.com>"
    mail.set_content("The core dump of the crash is attached.")
    dump = b"%PDF-1.4\n" + bytes(range(256)) * (7 * 1024 * 1024 // 256)
    mail.add_attachment(dump, maintype="application", subtype="pdf", filename="dump.pdf")
    raw = mail.as_bytes()
    assert len(raw) > 9_500_000
    response = post_mail(raw)
    assert response.status_code == 201
    [kept] = Attachment.objects.filter(message_id=response.json()["message"])
    assert kept.size == len(dump)


def test_a_mail_over_the_limit_is_refused_with_413(post_mail, settings):
    settings.VIGIL_INBOUND_EMAIL_MAX_BYTES = 1000
    raw = corpus("plain.eml") + b"x" * 1000
    response = post_mail(raw)
    assert response.status_code == 413
    assert "larger than 1,000 bytes" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_malformed_headers_still_make_a_clean_message(post_mail):
    response = post_mail(corpus("malformed_headers.eml"))
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["message"])
    assert "The body is still readable" in message.body
    assert "\x00" not in message.body
    assert message.ticket.customer.email == "broken@example.com"
    # No usable Message-ID: the content's digest stands in, so a resend is still known.
    assert post_mail(corpus("malformed_headers.eml")).status_code == 200


@pytest.mark.parametrize(
    ("name", "status", "error"),
    [
        ("no_from.eml", 400, "no From header"),
        ("bad_sender.eml", 422, "is not a valid email address"),
    ],
)
def test_mail_that_cannot_be_a_message_is_refused(post_mail, name, status, error, caplog):
    response = post_mail(corpus(name))
    assert response.status_code == status
    assert error in response.json()["error"]
    assert not Ticket.objects.exists()
    assert any(error in record.getMessage() for record in caplog.records)


def test_an_empty_body_is_refused(post_mail):
    response = post_mail(b"")
    assert response.status_code == 400
    assert "raw RFC 5322 message" in response.json()["error"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "Auto-Submitted: auto-replied"),
        ("bounce.eml", "sent by mailer-daemon@mx.example.com"),
        ("bulk.eml", "Precedence: bulk"),
    ],
)
def test_automatic_mail_opens_nothing(post_mail, name, reason, ticket):
    response = post_mail(corpus(name))
    assert response.status_code == 200
    assert response.json() == {"ignored": reason}
    assert Ticket.objects.count() == 1  # only the fixture's
    assert Message.objects.count() == 1


def test_mail_from_our_own_address_is_ignored(post_mail):
    raw = corpus("plain.eml").replace(
        b"From: Ada Lovelace <Ada@Example.com>", b"From: Compute <compute@support.example.com>"
    )
    response = post_mail(raw)
    assert response.json() == {"ignored": "sent from one of this desk's own addresses"}
    assert not Ticket.objects.exists()


def _reply_to(
    message_id: str,
    *,
    sender="ada@example.com",
    subject="Re: Cannot reach my VM",
    references="<plain-1@mail.example.com>",
):
    return (
        f"From: Ada <{sender}>\r\nTo: compute@support.example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <reply-{sender}-{len(subject)}@mail.example.com>\r\n"
        f"In-Reply-To: {message_id}\r\nReferences: {references} {message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "It works again, thank you!\r\n\r\nOn Fri, Dec 4, 2026 Compute support wrote:\r\n"
        "> Please try a hard reboot.\r\n"
    ).encode()


def test_the_whole_thread_by_email(
    post_mail, client, analyst, smtp_server, django_capture_on_commit_callbacks
):
    """A customer writes, the analyst answers by email in the same thread, the customer
    answers that: one conversation."""
    ticket_id = post_mail(corpus("plain.eml")).json()["ticket"]
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tickets:reply", args=[ticket_id]), {"body": "Please try a hard reboot."}
        )
    [answer] = smtp_server.mails
    assert answer["In-Reply-To"] == "<plain-1@mail.example.com>"
    assert answer["To"] == "ada@example.com"
    assert "compute@support.example.com" in answer["From"]
    response = post_mail(_reply_to(answer["Message-ID"]))
    assert response.status_code == 201
    assert response.json()["ticket"] == ticket_id
    bodies = list(Ticket.objects.get(pk=ticket_id).messages.values_list("body", flat=True))
    assert bodies[-1] == "It works again, thank you!"
    assert len(bodies) == 3


def test_a_ticket_token_in_the_subject_joins_only_for_its_customer(post_mail):
    ticket_id = post_mail(corpus("plain.eml")).json()["ticket"]
    subject = f"Re: [#{ticket_id}] Cannot reach my VM"
    same = post_mail(_reply_to("<unknown@elsewhere>", subject=subject, references=""))
    assert same.json()["ticket"] == ticket_id
    stranger = post_mail(
        _reply_to("<unknown@elsewhere>", sender="eve@example.com", subject=subject, references="")
    )
    assert stranger.status_code == 201
    assert stranger.json()["ticket"] != ticket_id


def test_a_reply_follows_its_ticket_to_another_team(post_mail, analyst, other_team):
    from tickets import services as ticket_services

    ticket = Ticket.objects.get(pk=post_mail(corpus("plain.eml")).json()["ticket"])
    ticket_services.ticket_move(ticket=ticket, actor=analyst, team=other_team)
    response = post_mail(_reply_to("<plain-1@mail.example.com>"))
    assert response.json()["ticket"] == ticket.pk
    assert Ticket.objects.count() == 1


def test_a_customer_mail_reopens_a_resolved_ticket(post_mail, analyst):
    from tickets import services as ticket_services

    ticket = Ticket.objects.get(pk=post_mail(corpus("plain.eml")).json()["ticket"])
    ticket_services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved")
    post_mail(_reply_to("<plain-1@mail.example.com>"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_unsigned_or_badly_signed_mail_is_refused(post_mail, client, mailbox):
    assert post_mail(corpus("plain.eml"), secret="wrong").status_code == 401
    url = reverse("integrations:mail_inbound", args=[mailbox.slug])
    response = client.post(url, data=corpus("plain.eml"), content_type="message/rfc822")
    assert response.status_code == 401
    assert "X-Vigil-Signature header is missing" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_an_unknown_or_inactive_mailbox_is_not_found(post_mail, mailbox):
    assert post_mail(corpus("plain.eml"), slug="nope").status_code == 404
    mailbox.active = False
    mailbox.save()
    assert post_mail(corpus("plain.eml")).status_code == 404


def test_only_post_is_allowed(client, mailbox):
    url = reverse("integrations:mail_inbound", args=[mailbox.slug])
    assert client.get(url).status_code == 405


def test_every_corpus_mail_is_a_message_or_a_clear_refusal(post_mail):
    for path in sorted(CORPUS.glob("*.eml")):
        response = post_mail(path.read_bytes())
        assert response.status_code in {200, 201, 400, 413, 422}, path.name
        assert set(json.loads(response.content)) & {"ticket", "ignored", "error"}, path.name


@pytest.mark.django_db(transaction=True)
def test_the_same_mail_posted_at_once_is_one_message(live_server, team, media_root):
    """A relay retrying before the first answer arrives: both requests race for one mail."""
    import threading

    import httpx

    mailbox = services.mailbox_create(
        mailbox=Mailbox(name="M", slug="m", team=team, address="m@support.example.com")
    )
    url = live_server.url + reverse("integrations:mail_inbound", args=[mailbox.slug])
    raw = corpus("attachment.eml")
    statuses: list[int] = []
    start = threading.Barrier(4)

    def send() -> None:
        headers = {"Content-Type": "message/rfc822", **signing.signed_headers(mailbox.secret, raw)}
        start.wait()
        statuses.append(httpx.post(url, content=raw, headers=headers, timeout=30).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1
    assert Attachment.objects.count() == 2
