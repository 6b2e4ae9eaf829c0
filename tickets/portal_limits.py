"""How many tickets the portal opens for one sender: counted per email address first, then,
far more loosely, per IP address, since a company's colleagues share one address to the web."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tickets.models import Message, Ticket


def window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.VIGIL_PORTAL_RATE_WINDOW_MINUTES)


def _window_text() -> str:
    return f"{settings.VIGIL_PORTAL_RATE_WINDOW_MINUTES} minutes"


def new_ticket_refusal(email: str, ip: str | None) -> str:
    """Why the portal will not open another ticket for ``email`` from ``ip`` now; "" when it
    will. The reason names the limit that was reached, so the customer knows what to do."""
    recent = Ticket.objects.filter(created_at__gte=window_start())
    per_email = settings.VIGIL_PORTAL_RATE_LIMIT
    if recent.filter(customer__email=email.strip().lower()).count() >= per_email:
        return (
            f"You have opened {per_email} tickets with {email.strip().lower()} in the last "
            f"{_window_text()}. Please reply on one of them (its link is in the email we sent "
            "you), or try again later."
        )
    per_ip = settings.VIGIL_PORTAL_IP_RATE_LIMIT
    if ip and recent.filter(created_from_ip=ip).count() >= per_ip:
        return (
            f"{per_ip} tickets were opened from your network in the last {_window_text()}, "
            "which is as many as we accept from one place. Please try again later, or write "
            "to us by email."
        )
    return ""


def replies_limited(ticket: Ticket) -> bool:
    """Replies are counted per ticket: the customer's messages on it in the window, however
    they came."""
    recent = ticket.messages.filter(kind=Message.Kind.CUSTOMER, created_at__gte=window_start())
    return recent.count() >= settings.VIGIL_PORTAL_REPLY_RATE_LIMIT


def replies_limit_text() -> str:
    return (
        f"You have sent {settings.VIGIL_PORTAL_REPLY_RATE_LIMIT} messages on this ticket in the "
        f"last {_window_text()}. We will read them; please wait for our answer or try again "
        "later."
    )
