"""Vigil's four roles, kept as Django groups, and what each may do with tickets."""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User

ANALYST = "analyst"
CURATOR = "curator"
MANAGER = "manager"
ADMIN = "admin"
ALL_ROLES = (ANALYST, CURATOR, MANAGER, ADMIN)
# Not a role: the group of accounts that act for another system (an integration's service
# user). They work tickets through the API with their role, but are nobody to assign to.
SERVICE_ACCOUNTS = "service accounts"

AnyUser = User | AnonymousUser


def user_roles(user: AnyUser) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_vigil_roles", None)
    if cached is None:
        names = user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True)
        cached = _remember(user, set(names))
    return cached


def remember_roles(users: Iterable[User]) -> None:
    """Reads the roles of many users in one query, so that ``user_roles`` asks nothing more of
    them (a round of websocket access checks covers many users)."""
    pending = {user.pk: user for user in users if getattr(user, "_vigil_roles", None) is None}
    names: dict[int, set[str]] = defaultdict(set)
    memberships = User.groups.through.objects.filter(
        user_id__in=list(pending), group__name__in=ALL_ROLES
    ).values_list("user_id", "group__name")
    for user_id, name in memberships:
        names[user_id].add(name)
    for pk, user in pending.items():
        _remember(user, names[pk])


def _remember(user: User, names: set[str]) -> frozenset[str]:
    if user.is_superuser:
        names.add(ADMIN)
    roles = frozenset(names)
    setattr(user, "_vigil_roles", roles)  # noqa: B010  (a cache on the request's user)
    return roles


def sees_all_teams(user: AnyUser) -> bool:
    """Managers and admins oversee every team; analysts and curators see their own teams."""
    return bool(user_roles(user) & {MANAGER, ADMIN})


def can_view_tickets(user: AnyUser) -> bool:
    return bool(user_roles(user))


def can_work_tickets(user: AnyUser) -> bool:
    """Reply, change status, assign: analysts, managers and admins. Curators only read."""
    return bool(user_roles(user) & {ANALYST, MANAGER, ADMIN})


def can_curate(user: AnyUser) -> bool:
    """Change knowledge: curators and admins. Everyone with a role may read it."""
    return bool(user_roles(user) & {CURATOR, ADMIN})


def can_manage(user: AnyUser) -> bool:
    """Oversee the copilot (replays, thresholds): managers and admins."""
    return bool(user_roles(user) & {MANAGER, ADMIN})


def can_administer(user: AnyUser) -> bool:
    """Change what every team works with (importing a team's history): admins."""
    return ADMIN in user_roles(user)


def is_service_account(user: AnyUser) -> bool:
    """An account that acts for another system (an integration), not a person."""
    return user.is_authenticated and user.groups.filter(name=SERVICE_ACCOUNTS).exists()
