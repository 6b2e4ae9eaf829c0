"""Fetching a mailbox's unread mail over IMAP into the same path the webhook takes.

Each unread mail is read without being marked (BODY.PEEK), stored, then marked seen. A mail
that is refused is logged and marked seen too: it would be refused again every minute. One that
fails in a way nobody foresaw is logged and left unread for the next poll. Either way the poll
goes on with the next mail.
"""

import contextlib
import imaplib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from integrations.mail.parsing import MailRejected
from integrations.mail.receiving import mail_receive_raw
from integrations.models import Mailbox

logger = logging.getLogger(__name__)

MAX_PER_POLL = 200
TIMEOUT_SECONDS = 30
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    ignored: int = 0
    refused: int = 0
    failed: int = 0  # left unread, tried again at the next poll


class PollError(Exception):
    """The server could not be reached, or refused the login or the folder."""


def mailbox_poll(*, mailbox: Mailbox) -> PollResult:
    """Fetch and store ``mailbox``'s unread mail; the outcome is kept on the mailbox."""
    try:
        result = _poll(mailbox)
    except (OSError, imaplib.IMAP4.error, PollError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.warning("mailbox %s: IMAP poll failed: %s", mailbox.slug, error)
        _record(mailbox, error)
        raise PollError(error) from exc
    _record(mailbox, "")
    return result


def _record(mailbox: Mailbox, error: str) -> None:
    mailbox.last_polled_at, mailbox.last_poll_error = timezone.now(), error
    mailbox.save(update_fields=["last_polled_at", "last_poll_error"])


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        return imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
    return imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)


def _poll(mailbox: Mailbox) -> PollResult:
    result = PollResult()
    client = _connect(mailbox)
    try:
        client.login(mailbox.imap_username, mailbox.imap_password)
        status, _ = client.select(_quoted(mailbox.imap_folder))
        if status != "OK":
            raise PollError(f"The folder {mailbox.imap_folder!r} cannot be opened.")
        status, found = client.uid("search", "UNSEEN")
        if status != "OK":
            raise PollError("The server refused to search the folder.")
        for uid in found[0].decode().split()[:MAX_PER_POLL]:
            _take(client, mailbox, uid, result)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return result


def _take(client: imaplib.IMAP4, mailbox: Mailbox, uid: str, result: PollResult) -> None:
    result.fetched += 1
    try:
        raw = _fetch(client, uid)
        received = mail_receive_raw(mailbox=mailbox, raw=raw)
    except MailRejected:
        result.refused += 1  # logged where it was refused; it will not get better
    except Exception:
        # Unforeseen (the database away, a bug): the mail stays unread, to be tried again at the
        # next poll rather than lost, and the poll goes on with the next one.
        logger.exception("mailbox %s: mail uid %s could not be stored", mailbox.slug, uid)
        result.failed += 1
        return
    else:
        result.created += received.created
        result.ignored += bool(received.ignored)
    client.uid("store", uid, "+FLAGS", r"(\Seen)")


def _fetch(client: imaplib.IMAP4, uid: str) -> bytes:
    limit = settings.VIGIL_INBOUND_EMAIL_MAX_BYTES
    _, sized = client.uid("fetch", uid, "(RFC822.SIZE)")
    size = SIZE.search(sized[0] if isinstance(sized[0], bytes) else b"")
    if size and int(size.group(1)) > limit:
        raise MailRejected(f"The mail is larger than {limit:,} bytes.", 413)
    status, data = client.uid("fetch", uid, "(BODY.PEEK[])")
    for item in data:
        if isinstance(item, tuple):
            return bytes(item[1])
    raise MailRejected(f"The server returned no content for mail uid {uid} ({status}).", 502)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailboxes_to_poll() -> list[int]:
    return list(
        Mailbox.objects.filter(active=True, imap_enabled=True)
        .exclude(imap_host="")
        .values_list("pk", flat=True)
    )
