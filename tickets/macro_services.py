"""Writes for macros (canned replies): saving them, and what sending a reply with one does."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core import roles
from tickets import placeholders, selectors, services
from tickets.models import Macro, MacroUse, Message, Team, Ticket

MACRO_FIELDS = ("name", "body", "set_status", "set_priority", "add_tags", "copilot_offers")


def macro_create(
    *,
    actor: User,
    name: str,
    body: str,
    team: Team | None = None,
    set_status: str = "",
    set_priority: int | None = None,
    add_tags: Iterable[str] = (),
    copilot_offers: bool = True,
) -> Macro:
    """A personal macro for ``actor``, or, with ``team``, that team's (admins only).

    Raises ValidationError for an unknown placeholder or a bad field, TicketError for bad tags."""
    if team is not None and not roles.can_administer(actor):
        raise PermissionDenied("A team's macros are managed by admins.")
    macro = Macro(
        name=name.strip(),
        body=body.strip(),
        team=team,
        owner=None if team is not None else actor,
        set_status=set_status or "",
        set_priority=set_priority or None,
        add_tags=services.normalise_tags(list(add_tags)),
        copilot_offers=copilot_offers,
    )
    macro.full_clean()
    macro.save()
    return macro


def macro_update(*, macro: Macro, actor: User, **changes: object) -> Macro:
    """Change the given fields (among ``MACRO_FIELDS``)."""
    unknown = set(changes) - set(MACRO_FIELDS)
    if unknown:
        raise ValueError(f"Not macro fields: {sorted(unknown)}")
    for field, value in changes.items():
        if field == "add_tags":
            value = services.normalise_tags(list(value))  # type: ignore[call-overload]
        elif field in {"name", "body"}:
            value = str(value).strip()
        elif field == "set_priority":
            value = value or None
        elif field == "set_status":
            value = value or ""
        elif field == "copilot_offers":
            value = bool(value)
        setattr(macro, field, value)
    macro.full_clean()
    macro.save(update_fields=[*changes, "updated_at"])
    return macro


def macro_delete(*, macro: Macro, actor: User) -> None:
    macro.delete()


def macro_fill(*, macro: Macro, ticket: Ticket, actor: User, portal_link: str) -> str:
    """The macro's body with its placeholders filled for this ticket and this analyst."""
    context = placeholders.Context(
        customer_name=ticket.customer.name,
        ticket_id=ticket.pk,
        ticket_subject=ticket.subject,
        portal_link=portal_link,
        analyst=actor,
    )
    return placeholders.fill(macro.body, context)


PORTAL_LINK_WITHHELD = "your ticket's page in our support portal"


def macro_text_fill(*, body: str, ticket: Ticket, with_portal_link: bool = True) -> str:
    """A macro's body filled for ``ticket`` when the copilot offers it: the portal link as the
    customer's email gives it, the analyst's name as the ticket's assignee, or the team's name
    when nobody has the ticket yet. Without ``with_portal_link`` (text going to an LLM
    provider), the customer's private link is named, not given."""
    context = placeholders.Context(
        customer_name=ticket.customer.name,
        ticket_id=ticket.pk,
        ticket_subject=ticket.subject,
        portal_link=selectors.portal_url(ticket) if with_portal_link else PORTAL_LINK_WITHHELD,
        analyst=ticket.assignee,
        team_name=ticket.team.name,
    )
    return placeholders.fill(body, context)


def macros_apply(
    *, macros: Iterable[Macro], ticket: Ticket, actor: User, message: Message
) -> list[str]:
    """After ``message`` was sent with these macros: count each use and make each macro's
    changes through the ticket services (so the timeline, live events and webhooks see them).

    A change the ticket cannot take (a status it cannot move to) is skipped and described in
    the returned warnings; the reply is sent already, and the other changes are still made."""
    warnings: list[str] = []
    for macro in macros:
        _, first_time = MacroUse.objects.get_or_create(
            macro=macro,
            message=message,
            defaults={"ticket": ticket, "user": actor, "used_at": message.created_at},
        )
        if not first_time:
            continue  # the same reply again (a retry): already counted and applied
        warnings += _apply(macro, ticket, actor)
    return warnings


def _apply(macro: Macro, ticket: Ticket, actor: User) -> list[str]:
    warnings: list[str] = []
    with transaction.atomic():
        if macro.set_priority:
            services.ticket_set_priority(ticket=ticket, actor=actor, priority=macro.set_priority)
        if macro.add_tags:
            tags = ticket.tags + [t for t in macro.add_tags if t not in ticket.tags]
            try:
                services.ticket_set_tags(ticket=ticket, actor=actor, tags=tags)
            except services.TicketError as exc:
                warnings.append(f"“{macro.name}” did not add its tags: {exc}")
    if macro.set_status:
        try:
            services.ticket_change_status(ticket=ticket, actor=actor, status=macro.set_status)
        except services.TicketError as exc:
            warnings.append(f"“{macro.name}” did not change the status: {exc}")
    return warnings
