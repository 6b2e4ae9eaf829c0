"""Background jobs run by django-q2. Thin: they take ids and call services."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from tickets import services
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
