"""Replies by email: a public reply goes to the customer, threaded with the mails before it.

A reply is queued in the transaction that saves it (its Message-ID is known at once, so a
customer's answer can find the ticket), then sent by a background task. A failure the server
may get over is tried again later, up to ``VIGIL_EMAIL_MAX_ATTEMPTS``; a refusal is final. The
state and the last error are kept on the message, where the console shows them.
"""

import datetime as dt
import logging
import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_q.tasks import async_task

from tickets import selectors
from tickets.models import Message, MessageEmail

logger = logging.getLogger(__name__)

Status = MessageEmail.Status
# Reserved names (RFC 2606, 6761) never receive mail: imported customers live under .invalid.
UNREACHABLE = ("invalid", "test", "example", "localhost")
MAX_REFERENCES = 20
# A claimed send that never reported back (its worker died) is tried again after this.
LEASE = dt.timedelta(minutes=10)
MAX_RETRY_WAIT = dt.timedelta(hours=1)


def reachable(address: str) -> bool:
    """Whether mail to ``address`` can arrive anywhere."""
    local, at, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    return bool(local and at and domain) and domain.rpartition(".")[2] not in UNREACHABLE


def emails_customer(message: Message) -> bool:
    ticket = message.ticket
    return (
        settings.VIGIL_EMAIL_REPLIES
        and not message.internal
        and message.kind in {Message.Kind.ANALYST, Message.Kind.COPILOT}
        and not ticket.is_imported
        and reachable(ticket.customer.email)
    )


def new_message_id() -> str:
    return make_msgid(domain=settings.VIGIL_EMAIL_DOMAIN)


def message_email_queue(*, message: Message) -> MessageEmail:
    """Queue ``message`` for the customer, replying to the ticket's latest mail. Call it inside
    the transaction that saved the message: the task starts once that commits."""
    earlier = list(
        MessageEmail.objects.filter(message__ticket=message.ticket_id)
        .order_by("-created_at", "-id")
        .values_list("rfc_message_id", flat=True)[:MAX_REFERENCES]
    )[::-1]
    now = timezone.now()
    mail = MessageEmail.objects.create(
        message=message,
        direction=MessageEmail.Direction.OUTBOUND,
        rfc_message_id=new_message_id(),
        in_reply_to=earlier[-1] if earlier else "",
        references=" ".join(earlier),
        address=message.ticket.customer.email,
        status=Status.QUEUED,
        next_attempt_at=now + LEASE,
        created_at=now,
    )
    transaction.on_commit(lambda: async_task("tickets.tasks.send_message_email", mail.pk))
    return mail


def compose(mail: MessageEmail) -> EmailMessage:
    """The email for ``mail``: the reply, who wrote it, the portal link, threading headers,
    and the reply's files."""
    message = mail.message
    ticket = message.ticket
    link = selectors.portal_url(ticket)
    body = render_to_string(
        "tickets/email/reply.txt", {"message": message, "ticket": ticket, "link": link}
    )
    headers = {"Message-ID": mail.rfc_message_id}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
        headers["References"] = mail.references
    if message.kind == Message.Kind.COPILOT:
        # RFC 3834: an automatic answer; a well-behaved autoresponder does not answer it back.
        headers["Auto-Submitted"] = "auto-replied"
    sender = settings.DEFAULT_FROM_EMAIL
    if ticket.email_address:
        sender = formataddr((f"{ticket.team.name} support", ticket.email_address))
    email = EmailMessage(
        subject=subject_for(ticket.pk, ticket.subject),
        body=body,
        from_email=sender,
        to=[mail.address],
        headers=headers,
    )
    if not message.internal:  # an internal note is never queued; this keeps its files in too
        for attached in message.attachments.all():
            with attached.file.open("rb") as handle:
                email.attach(attached.name, handle.read(), attached.content_type)
    return email


def subject_for(ticket_id: int, subject: str) -> str:
    """The subject of every mail on a ticket; its ``[#id]`` token threads an answer whose
    client dropped the reply headers (only for the ticket's own customer)."""
    return f"Re: [#{ticket_id}] {subject}"


def message_email_send(*, mail_id: int) -> None:
    """Send one queued email once; record sent, or the error and when to try again."""
    mail = _claim(mail_id)
    if mail is None:
        return
    try:
        compose(mail).send()
    except Exception as exc:  # any backend's failure is recorded on the message
        _record_failure(mail, exc)
        return
    mail.status, mail.sent_at, mail.error, mail.next_attempt_at = (
        Status.SENT,
        timezone.now(),
        "",
        None,
    )
    mail.save(update_fields=["status", "sent_at", "error", "next_attempt_at"])
    logger.info("email %s sent for message %s", mail.rfc_message_id, mail.message_id)


def due_email_ids(*, limit: int = 100) -> list[int]:
    due = MessageEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=timezone.now())
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def _claim(mail_id: int) -> MessageEmail | None:
    """The queued email, leased to this worker: another finds it locked, or not yet due."""
    with transaction.atomic():
        mail = (
            MessageEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message__ticket__team", "message__ticket__customer")
            .filter(pk=mail_id, status=Status.QUEUED, direction=MessageEmail.Direction.OUTBOUND)
            .first()
        )
        if mail is None:
            return None
        mail.attempts += 1
        mail.next_attempt_at = timezone.now() + LEASE
        mail.save(update_fields=["attempts", "next_attempt_at"])
    return mail


def _record_failure(mail: MessageEmail, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:400]
    final = permanent(exc) or mail.attempts >= settings.VIGIL_EMAIL_MAX_ATTEMPTS
    if final:
        mail.status, mail.next_attempt_at = Status.FAILED, None
        mail.error = error
    else:
        wait = dt.timedelta(seconds=settings.VIGIL_EMAIL_RETRY_SECONDS * 2 ** (mail.attempts - 1))
        mail.next_attempt_at = timezone.now() + min(wait, MAX_RETRY_WAIT)
        mail.error = f"{error} (try {mail.attempts} of {settings.VIGIL_EMAIL_MAX_ATTEMPTS})"
    mail.save(update_fields=["status", "error", "next_attempt_at"])
    logger.warning(
        "email %s for message %s %s: %s",
        mail.rfc_message_id,
        mail.message_id,
        "failed" if final else "will be retried",
        error,
    )


def permanent(exc: Exception) -> bool:
    """A refusal that trying again cannot change: a 5xx from the server, refused recipients."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    # django-anymail's: the provider said this recipient cannot receive mail.
    return type(exc).__name__ == "AnymailRecipientsRefused"
