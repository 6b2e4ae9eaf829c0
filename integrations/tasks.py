"""Background jobs run by django-q2. Thin: they take ids and call services."""

from django_q.tasks import async_task

from integrations import services
from integrations.mail import imap
from integrations.models import Mailbox


def deliver_webhook(delivery_id: int) -> str:
    """Send one delivery if it is due; returns what happened."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "not due"
    return f"{delivery.status} after {delivery.attempts} attempt(s)"


def send_due_webhooks() -> int:
    """Periodic: queue every delivery whose next attempt is due. Returns how many."""
    return services.deliveries_send_due()


def poll_mailboxes() -> int:
    """Periodic: one task per mailbox polled over IMAP. Returns how many were queued."""
    ids = imap.mailboxes_to_poll()
    for mailbox_id in ids:
        async_task("integrations.tasks.poll_mailbox", mailbox_id)
    return len(ids)


def poll_mailbox(mailbox_id: int) -> str:
    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True, imap_enabled=True).first()
    if mailbox is None:
        return "not polled"
    result = imap.mailbox_poll(mailbox=mailbox)
    return (
        f"{result.fetched} fetched, {result.created} new, {result.refused} refused, "
        f"{result.failed} left for the next poll"
    )
