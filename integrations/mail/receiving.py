"""A mail for a team mailbox, from the webhook or the IMAP poller, the same way."""

import logging
from dataclasses import dataclass

from django.conf import settings

from integrations.mail.parsing import MailRejected, ParsedMail, parse
from integrations.models import Mailbox
from tickets import attachments, mail_receive, services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """What became of a mail: the message it made or was (``created`` False for a resend), or
    why it was ignored (an automatic mail: no ticket, no reply, no loop)."""

    ticket_id: int | None = None
    message_id: int | None = None
    created: bool = False
    ignored: str = ""


def mail_receive_raw(*, mailbox: Mailbox, raw: bytes) -> Received:
    """Read ``raw`` and store it; MailRejected (logged) when it cannot become a message."""
    limit = settings.VIGIL_INBOUND_EMAIL_MAX_BYTES
    try:
        if len(raw) > limit:
            raise MailRejected(f"The mail is larger than {limit:,} bytes.", 413)
        parsed = parse(raw)
        return _receive(mailbox, parsed)
    except MailRejected as exc:
        logger.warning("mailbox %s refused a mail (%s): %s", mailbox.slug, exc.status, exc)
        raise


def _receive(mailbox: Mailbox, parsed: ParsedMail) -> Received:
    ignored = parsed.automatic or _from_ourselves(parsed.sender)
    if ignored:
        logger.info(
            "mailbox %s ignored %s from %s: %s",
            mailbox.slug,
            parsed.message_id,
            parsed.sender,
            ignored,
        )
        return Received(ignored=ignored)
    incoming = mail_receive.IncomingMail(
        rfc_message_id=parsed.message_id,
        sender_name=parsed.sender_name,
        sender=parsed.sender,
        subject=parsed.topic,
        thread_ids=parsed.thread_ids,
        token=parsed.ticket_token,
        text=parsed.text,
        reply=parsed.reply,
        files=[attachments.IncomingFile(name=f.name, data=f.data) for f in parsed.files],
    )
    try:
        message, created = mail_receive.message_email_receive(
            team=mailbox.team, mailbox_address=mailbox.address, incoming=incoming
        )
    except services.TicketError as exc:
        raise MailRejected(str(exc)) from exc
    logger.info(
        "mailbox %s: %s from %s is message %s on ticket #%s%s",
        mailbox.slug,
        parsed.message_id,
        parsed.sender,
        message.pk,
        message.ticket_id,
        "" if created else " (already received)",
    )
    return Received(ticket_id=message.ticket_id, message_id=message.pk, created=created)


def _from_ourselves(sender: str) -> str:
    """Mail from one of Vigil's own addresses would answer itself for ever."""
    ours = Mailbox.objects.filter(address__iexact=sender).exists()
    own = settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip().lower()
    return "sent from one of this desk's own addresses" if ours or sender == own else ""
