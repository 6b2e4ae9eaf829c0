"""Background jobs run by django-q2. Thin: they take ids and call services."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from tickets import mail, notification_digest, notification_services, services
from tickets.models import Ticket


def send_portal_link(ticket_id: int, link: str) -> None:
    ticket = Ticket.objects.select_related("customer").get(pk=ticket_id)
    body = render_to_string("portal/email_link.txt", {"ticket": ticket, "link": link})
    send_mail(
        f"[#{ticket.pk}] {ticket.subject}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [ticket.customer.email],
    )


def auto_close_resolved() -> int:
    days = settings.VIGIL_AUTO_CLOSE_DAYS
    if days <= 0:
        return 0
    return services.tickets_auto_close(older_than=dt.timedelta(days=days))


def send_message_email(mail_id: int) -> None:
    mail.message_email_send(mail_id=mail_id)


def send_due_emails() -> int:
    """Queued emails whose retry is due (or whose worker died mid-send): sent now."""
    ids = mail.due_email_ids()
    for mail_id in ids:
        mail.message_email_send(mail_id=mail_id)
    return len(ids)


def warn_first_responses_due() -> int:
    return notification_services.first_responses_warn()


def send_notification_digests() -> int:
    return notification_digest.digests_send()
