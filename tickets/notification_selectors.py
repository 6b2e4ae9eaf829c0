"""Reads of notifications. Every list and count goes through ``notifications_for_user``, which
keeps to the tickets the user may read now: a notification about a ticket that moved out of
their teams is not shown, counted or emailed."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from tickets import selectors
from tickets.models import Notification, NotificationSettings

AnyUser = User | AnonymousUser


def notifications_for_user(user: AnyUser) -> QuerySet[Notification]:
    """The user's own notifications on tickets they may read, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    readable = selectors.tickets_for_user(user).values("pk")
    return (
        Notification.objects.filter(user=user.pk, ticket__in=readable)
        .select_related("ticket")
        .order_by("-created_at", "-id")
    )


def unread_count(user: AnyUser) -> int:
    return notifications_for_user(user).filter(read_at__isnull=True).count()


def notification_get_for_user(user: AnyUser, notification_id: int) -> Notification | None:
    return notifications_for_user(user).filter(pk=notification_id).first()


def settings_for_user(user: User) -> NotificationSettings:
    """The user's settings; the defaults (no digest) when they never changed them."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)
