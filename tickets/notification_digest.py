"""The email digest: for each user who turned it on, one mail listing their unread
notifications that no digest listed yet, sent through Django's email framework.

Each notification is listed once. The rows are locked while a user's mail is sent and marked
in the same transaction, so a failed send lists them again next time and two workers never
send the same digest."""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tickets import notification_selectors
from tickets.models import Notification, NotificationSettings

logger = logging.getLogger(__name__)
MAX_LISTED = 50


def digests_send() -> int:
    """Send every digest that has something to say. Returns how many mails were sent."""
    opted_in = NotificationSettings.objects.filter(email_digest=True, user__is_active=True).exclude(
        user__email=""
    )
    sent = 0
    with get_connection() as connection:
        for user_id in opted_in.values_list("user_id", flat=True):
            user = User.objects.get(pk=user_id)
            try:
                sent += digest_send(user=user, connection=connection)
            except Exception:
                logger.exception("could not send the notification digest of %s", user.username)
    return sent


def digest_send(*, user: User, connection: BaseEmailBackend | None = None) -> int:
    """Send ``user``'s digest if any notification is waiting for one; returns 1 or 0."""
    with transaction.atomic():
        waiting = (
            notification_selectors.notifications_for_user(user)
            .filter(read_at__isnull=True, emailed_at__isnull=True)
            .select_for_update(of=("self",), skip_locked=True)
        )
        listed = list(waiting[:MAX_LISTED])
        if not listed:
            return 0
        _mail(user, listed, connection).send(fail_silently=False)
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in listed]).update(emailed_at=now)
        NotificationSettings.objects.filter(user=user).update(digest_sent_at=now)
    return 1


def _mail(
    user: User, listed: list[Notification], connection: BaseEmailBackend | None
) -> EmailMessage:
    base = settings.VIGIL_PUBLIC_URL
    items = [(n, base + reverse("tickets:detail", args=[n.ticket_id])) for n in listed]
    context = {
        "user": user,
        "items": items,
        "page": base + reverse("tickets:notifications"),
    }
    count = len(listed)
    subject = f"Vigil: {count} unread notification{'s' if count != 1 else ''}"
    body = render_to_string("tickets/email/notification_digest.txt", context)
    return EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection
    )
