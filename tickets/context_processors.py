from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import roles as ticket_roles
from tickets import notification_selectors


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "vigil_roles": sorted(ticket_roles.user_roles(user)),
        "can_work_tickets": ticket_roles.can_work_tickets(user),
        "can_curate": ticket_roles.can_curate(user),
        "can_manage": ticket_roles.can_manage(user),
        "can_administer": ticket_roles.can_administer(user),
    }


@dataclass(frozen=True)
class Bell:
    """The top bar's bell: how many notifications are unread, as shown and as read aloud."""

    count: int

    @property
    def shown(self) -> str:
        return "99+" if self.count > 99 else str(self.count)

    @property
    def label(self) -> str:
        return f"Notifications, {self.count} unread" if self.count else "Notifications"


def notifications(request: HttpRequest) -> dict[str, object]:
    """The bell, counted only when a page shows it (fragments do not)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notification_bell": SimpleLazyObject(
            lambda: Bell(notification_selectors.unread_count(user))
        )
    }
