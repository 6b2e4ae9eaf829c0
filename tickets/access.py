"""The one way a view, an API or a websocket loads a ticket for a user.

Reading needs the ticket to be in one of the user's teams (managers and admins: any team);
another team's ticket is not found, so its existence does not leak. Changing it also needs a
role that works tickets. The API turns these Django errors into its JSON 404 and 403.
"""

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import roles
from tickets import selectors
from tickets.models import Customer, Macro, SavedView, Ticket


def get_ticket_for_user(user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """The ticket, if ``user`` may read it; Http404 otherwise."""
    try:
        return selectors.ticket_get_for_user(user, ticket_id)
    except selectors.TicketNotFound:
        raise Http404(f"There is no ticket #{ticket_id} in your teams.") from None


def get_customer_for_user(user: User | AnonymousUser, customer_id: int) -> Customer:
    """The customer, if ``user`` may see one of their tickets; Http404 otherwise."""
    try:
        return selectors.customer_get_for_user(user, customer_id)
    except selectors.CustomerNotFound:
        raise Http404(f"There is no customer #{customer_id} with tickets in your teams.") from None


def readable_ticket_ids_by_user(asked: Mapping[User, Iterable[int]]) -> dict[int, set[int]]:
    """Which of the asked tickets each user may read (user pk → ids): a round of the
    websockets' re-checks."""
    return selectors.ticket_ids_for_users(asked)


def visible_team_ids_by_user(asked: Mapping[User, Iterable[int]]) -> dict[int, set[int]]:
    """Which of the asked teams' tickets each user sees (user pk → ids): the queue sockets'
    re-checks."""
    return selectors.team_ids_for_users(asked)


def get_ticket_to_work(user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """The ticket, if ``user`` may change it; Http404 or PermissionDenied otherwise."""
    ticket = get_ticket_for_user(user, ticket_id)
    if not roles.can_work_tickets(user):
        raise PermissionDenied("Your role can read tickets but not change them.")
    return ticket


def get_macro_for_user(user: User | AnonymousUser, macro_id: int) -> Macro:
    """The macro, if ``user`` may see it (their own, or one of their teams'); Http404 otherwise."""
    try:
        return selectors.macro_get_for_user(user, macro_id)
    except selectors.MacroNotFound:
        raise Http404(f"There is no macro #{macro_id} of yours or your teams.") from None


def get_macro_to_edit(user: User | AnonymousUser, macro_id: int) -> Macro:
    """The macro, if ``user`` may change it: their own; a team's only for admins."""
    macro = get_macro_for_user(user, macro_id)
    if not may_edit_macro(user, macro):
        raise PermissionDenied("A team's macros are managed by admins.")
    return macro


def may_edit_macro(user: User | AnonymousUser, macro: Macro) -> bool:
    if macro.owner_id is not None:
        return macro.owner_id == user.pk
    return roles.can_administer(user)


def get_saved_view_for_user(user: User | AnonymousUser, view_id: int) -> SavedView:
    """One of the user's own saved views; Http404 for anyone else's."""
    try:
        return selectors.saved_view_get_for_user(user, view_id)
    except selectors.SavedViewNotFound:
        raise Http404(f"You have no saved view #{view_id}.") from None
