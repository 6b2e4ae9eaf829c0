"""Placeholders in a macro's body, such as ``{{ customer_name }}``: which exist, checking a body
for unknown ones when it is saved, and filling them in for one ticket and one analyst.

A body saved before a placeholder was renamed may still name an unknown one: filling leaves it
as written rather than failing, so a macro never breaks a reply."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_.]*)\s*\}\}")


@dataclass(frozen=True)
class Context:
    """What placeholders are filled from."""

    customer_name: str
    ticket_id: int
    ticket_subject: str
    portal_link: str
    # None when the copilot fills a macro it cites for nobody in particular: the analyst's
    # placeholders then name the team (``team_name``).
    analyst: User | None
    team_name: str = ""


def _first(name: str) -> str:
    return name.split()[0] if name.strip() else name


def _analyst_name(c: Context) -> str:
    if c.analyst is None:
        return f"the {c.team_name} team"
    return c.analyst.get_full_name() or c.analyst.get_username()


def _analyst_first_name(c: Context) -> str:
    if c.analyst is None:
        return f"the {c.team_name} team"
    return c.analyst.first_name or c.analyst.get_username()


PLACEHOLDERS: dict[str, tuple[str, Callable[[Context], str]]] = {
    "customer_name": ("the customer's name", lambda c: c.customer_name),
    "customer_first_name": ("the customer's first name", lambda c: _first(c.customer_name)),
    "ticket_number": ("the ticket's number, e.g. #42", lambda c: f"#{c.ticket_id}"),
    "ticket_subject": ("the ticket's subject", lambda c: c.ticket_subject),
    "portal_link": ("the customer's private link to the ticket", lambda c: c.portal_link),
    "analyst_name": ("your name", _analyst_name),
    "analyst_first_name": ("your first name", _analyst_first_name),
}


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders in ``body`` that do not exist, in order, each once."""
    unknown: list[str] = []
    for match in PLACEHOLDER_RE.finditer(body):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def unknown_message(unknown: list[str]) -> str:
    names = ", ".join("{{ " + name + " }}" if name else "{{ }}" for name in unknown)
    known = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
    plural = "s" if len(unknown) > 1 else ""
    return f"Unknown placeholder{plural} {names}. The placeholders are: {known}."


def fill(body: str, context: Context) -> str:
    def value(match: re.Match[str]) -> str:
        known = PLACEHOLDERS.get(match.group(1))
        return known[1](context) if known else match.group(0)

    return PLACEHOLDER_RE.sub(value, body)


def validate_placeholders(body: str) -> None:
    """A field validator: a body naming an unknown placeholder is refused when saved."""
    unknown = unknown_placeholders(body)
    if unknown:
        raise ValidationError(unknown_message(unknown), code="unknown_placeholder")
