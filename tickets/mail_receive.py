"""A customer's mail becomes their message: on the ticket it continues, or a new one."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tickets import attachments, selectors, services
from tickets.models import Message, MessageEmail, Team


@dataclass(frozen=True)
class IncomingMail:
    """A customer's mail, already read: who, the thread it names, its text and files."""

    rfc_message_id: str
    sender_name: str
    sender: str
    subject: str
    thread_ids: list[str]
    token: int | None
    text: str
    reply: str
    files: list[attachments.IncomingFile]


def message_email_receive(
    *, team: Team, mailbox_address: str, incoming: IncomingMail
) -> tuple[Message, bool]:
    """Store a customer's mail as their message: on the ticket it continues, or on a new one.
    Returns (message, created); a Message-ID already received returns its message unchanged.
    The message then goes the way of every customer message (pushed live, the copilot runs)."""
    with transaction.atomic():
        services.lock_key(incoming.rfc_message_id)
        known = selectors.message_email_by_id(incoming.rfc_message_id)
        if known is not None:
            return known.message, False
        customer = services.customer_get_or_create(name=incoming.sender_name, email=incoming.sender)
        body = _stored_body(incoming)
        ticket = selectors.ticket_for_email(
            team=team, sender=incoming.sender, thread_ids=incoming.thread_ids, token=incoming.token
        )
        if ticket is None:
            ticket = services.ticket_create(
                team=team,
                customer=customer,
                subject=incoming.subject or "(no subject)",
                body=body,
                email_address=mailbox_address,
            )
            message = ticket.messages.get()
        else:
            message, _ = services.message_create(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                body=body,
                author_name=incoming.sender_name or customer.name,
            )
        refused = attachments.attachments_save(message=message, files=incoming.files)
        MessageEmail.objects.create(
            message=message,
            direction=MessageEmail.Direction.INBOUND,
            rfc_message_id=incoming.rfc_message_id,
            in_reply_to=(incoming.thread_ids or [""])[0],
            references=" ".join(incoming.thread_ids),
            address=incoming.sender,
            status=MessageEmail.Status.RECEIVED,
            # What could not be kept is said on the message, where the analyst looks.
            error=("Not kept: " + "; ".join(refused))[:500] if refused else "",
            original=incoming.text,
            created_at=timezone.now(),
        )
    return message, True


def _stored_body(incoming: IncomingMail) -> str:
    body = incoming.reply.strip() or incoming.text.strip()
    if not body:
        body = "(No text: see the attached files.)"
    limit = settings.VIGIL_MAX_MESSAGE_CHARS
    if len(body) > limit:
        note = "\n[…cut here: the whole text is kept with the email.]"
        body = body[: limit - len(note)] + note
    return body
