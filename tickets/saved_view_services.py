"""Writes for saved views: a queue filter one person keeps under a name.

A view stores the queue page's query string in a normal form, checked when saved: only the
queue's own keys (search, status, team, assignee, priority, sort), each once, in one order,
without the page number; a value the queue does not know is refused with the reason."""

from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tickets import selectors
from tickets.models import SavedView, Ticket

QUERY_KEYS = ("q", "status", "team", "assignee", "priority", "sort")
STATUSES = {"active", "all", *Ticket.Status.values}


def queue_query(*, user: User, query: str) -> str:
    """``query`` (a query string, with or without its ``?``) in the normal form a view keeps.

    Raises ValidationError naming what is wrong: an unknown status, priority, sort or
    assignee, or a team that is not one of ``user``'s."""
    values: dict[str, str] = {}
    for key, value in parse_qsl(query.strip().lstrip("?"), keep_blank_values=True):
        value = value.replace("\x00", "").strip()[:200]
        if key in QUERY_KEYS and value and key not in values:
            values[key] = value
    _check(user, values)
    return urlencode([(key, values[key]) for key in QUERY_KEYS if key in values])


def _check(user: User, values: dict[str, str]) -> None:
    if values.get("status", "active") not in STATUSES:
        raise ValidationError(f"Unknown status {values['status']!r}.")
    if values.get("sort", "-last_message_at") not in selectors.QUEUE_SORTS:
        raise ValidationError(f"Unknown sort {values['sort']!r}.")
    priority = selectors.parse_int(values.get("priority", "2"))
    if priority not in Ticket.Priority.values:
        raise ValidationError(f"Unknown priority {values['priority']!r}.")
    assignee = values.get("assignee", "me")
    if assignee not in {"me", "none"} and selectors.parse_int(assignee) is None:
        raise ValidationError(f"Unknown assignee {assignee!r}: me, none or a person's id.")
    team = values.get("team")
    if team and not selectors.teams_for_user(user).filter(slug=team).exists():
        raise ValidationError(f"You have no team {team!r}.")


def saved_view_create(*, owner: User, name: str, query: str) -> SavedView:
    """A view of ``owner``'s named ``name`` showing the queue filtered by ``query``.

    Raises ValidationError for an empty or taken name, a bad filter, or one view too many."""
    if selectors.saved_views_for_user(owner).count() >= settings.VIGIL_SAVED_VIEWS_MAX:
        raise ValidationError(
            f"You have {settings.VIGIL_SAVED_VIEWS_MAX} saved views, the most one may keep: "
            "delete one first."
        )
    view = SavedView(owner=owner, name=name.strip(), query=queue_query(user=owner, query=query))
    return _save(view)


def saved_view_update(
    *, view: SavedView, name: str | None = None, query: str | None = None
) -> SavedView:
    """Rename ``view``, or give it another filter."""
    if name is not None:
        view.name = name.strip()
    if query is not None:
        view.query = queue_query(user=view.owner, query=query)
    return _save(view)


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()


def _save(view: SavedView) -> SavedView:
    view.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise ValidationError(f"You already have a view named “{view.name}”.") from None
    return view
