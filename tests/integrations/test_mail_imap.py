"""Polling a mailbox over IMAP, against a real Dovecot server."""

from pathlib import Path

import pytest

from integrations import services, tasks
from integrations.mail import imap
from integrations.models import Mailbox
from tests.mailservers.imap import PASSWORD, USER
from tickets.models import Message, MessageEmail, Ticket

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@pytest.fixture
def mailbox(team, imap_server, media_root):
    return services.mailbox_create(
        mailbox=Mailbox(
            name="Compute mail",
            slug="compute-mail",
            team=team,
            address="compute@support.example.com",
            imap_enabled=True,
            imap_host="127.0.0.1",
            imap_port=imap_server.port,
            imap_ssl=False,
            imap_username=USER,
            imap_password=PASSWORD,
        )
    )


def test_it_fetches_unread_mail_into_tickets(mailbox, imap_server):
    imap_server.deliver((CORPUS / "plain.eml").read_bytes())
    imap_server.deliver((CORPUS / "latin1.eml").read_bytes())
    result = imap.mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.created, result.refused) == (2, 2, 0)
    assert set(Ticket.objects.values_list("subject", flat=True)) == {
        "Cannot reach my VM",
        "Fehler beim Neustart (Grüße)",
    }
    assert imap_server.unseen() == 0
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None
    assert mailbox.last_poll_error == ""
    # Nothing new: nothing fetched again.
    assert imap.mailbox_poll(mailbox=mailbox).fetched == 0


def test_the_whole_corpus_never_stops_the_poller(mailbox, imap_server):
    names = sorted(path.name for path in CORPUS.glob("*.eml"))
    for name in names:
        imap_server.deliver((CORPUS / name).read_bytes())
    result = imap.mailbox_poll(mailbox=mailbox)
    assert result.fetched == len(names)
    assert result.refused == 2  # no_from.eml, bad_sender.eml
    assert result.ignored == 3  # auto_reply.eml, bounce.eml, bulk.eml
    assert result.created == len(names) - 5
    assert imap_server.unseen() == 0  # refused mail is not fetched every minute for ever
    assert MessageEmail.objects.count() == result.created


def test_a_mail_seen_twice_is_one_message(mailbox, imap_server):
    raw = (CORPUS / "plain.eml").read_bytes()
    imap_server.deliver(raw)
    imap.mailbox_poll(mailbox=mailbox)
    imap_server.deliver(raw)  # the same mail again, e.g. moved back to the inbox
    assert imap.mailbox_poll(mailbox=mailbox).created == 0
    assert Message.objects.count() == 1


def test_a_mail_over_the_limit_is_refused_and_marked(mailbox, imap_server, settings):
    settings.VIGIL_INBOUND_EMAIL_MAX_BYTES = 300
    imap_server.deliver((CORPUS / "alternative.eml").read_bytes())
    result = imap.mailbox_poll(mailbox=mailbox)
    assert result.refused == 1
    assert not Ticket.objects.exists()
    assert imap_server.unseen() == 0


def test_a_wrong_password_is_recorded_on_the_mailbox(mailbox):
    mailbox.imap_password = "wrong"
    mailbox.save()
    with pytest.raises(imap.PollError, match=r"Authentication failed"):
        imap.mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert "Authentication failed" in mailbox.last_poll_error


def test_an_unreachable_server_is_recorded(mailbox):
    mailbox.imap_port = 9  # nothing listens there
    mailbox.save()
    with pytest.raises(imap.PollError):
        imap.mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert "ConnectionRefusedError" in mailbox.last_poll_error


def test_a_missing_folder_is_recorded(mailbox):
    mailbox.imap_folder = "Does not exist"
    mailbox.save()
    with pytest.raises(imap.PollError, match="cannot be opened"):
        imap.mailbox_poll(mailbox=mailbox)


def test_the_scheduled_task_polls_each_mailbox(mailbox, imap_server, team):
    Mailbox.objects.create(
        name="Off", slug="off", team=team, address="off@support.example.com", secret="x"
    )
    imap_server.deliver((CORPUS / "plain.eml").read_bytes())
    assert tasks.poll_mailboxes() == 1  # the one with IMAP on; tasks run inline in tests
    assert Ticket.objects.count() == 1


def test_an_unforeseen_failure_leaves_the_mail_for_the_next_poll(mailbox, imap_server, monkeypatch):
    from integrations.mail import receiving

    real = receiving.mail_receive_raw

    def flaky(*, mailbox, raw):
        if b"latin1-1@example.de" in raw:
            raise RuntimeError("database went away")
        return real(mailbox=mailbox, raw=raw)

    monkeypatch.setattr(imap, "mail_receive_raw", flaky)
    imap_server.deliver((CORPUS / "latin1.eml").read_bytes())
    imap_server.deliver((CORPUS / "plain.eml").read_bytes())
    result = imap.mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.created, result.failed) == (2, 1, 1)
    assert imap_server.unseen() == 1
    monkeypatch.setattr(imap, "mail_receive_raw", real)
    assert imap.mailbox_poll(mailbox=mailbox).created == 1
    assert Ticket.objects.count() == 2
