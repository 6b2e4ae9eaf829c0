"""The demo: teams of a cloud platform's support, accounts for each role, believable tickets."""

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from core import roles
from tickets import rating_services, services
from tickets.models import Macro, Message, Team, Ticket

DATA_FILE = Path(__file__).parent / "demo" / "demo_tickets.json"

TEAMS = [
    ("compute", "Compute", "Virtual machines, instances, autoscaling and Kubernetes."),
    ("storage", "Storage", "Object storage buckets, block volumes, snapshots and backups."),
    ("billing", "Billing", "Invoices, payment methods, credits, plans and refunds."),
]
# username, first, last, roles, teams
ACCOUNTS = [
    ("analyst", "Sam", "Okafor", [roles.ANALYST], ["compute", "storage"]),
    ("analyst2", "Lena", "Fischer", [roles.ANALYST], ["billing", "storage"]),
    ("analyst3", "Tomás", "Ruiz", [roles.ANALYST], ["compute"]),
    ("curator", "Mira", "Chen", [roles.CURATOR], ["compute", "storage", "billing"]),
    ("manager", "Dana", "Whitfield", [roles.MANAGER], ["compute", "storage", "billing"]),
    ("admin", "Alex", "Admin", [roles.ADMIN], []),
]
DEMO_USERNAMES = [account[0] for account in ACCOUNTS]


def demo_is_seeded() -> bool:
    return Ticket.objects.exists()


@dataclass
class Step:
    """One thing a demo ticket goes through, at its time: opened, a message, its end state.
    ``run`` returns the message it wrote, if any."""

    at: dt.datetime
    kind: str  # open, customer, analyst, note, system, finish
    run: Callable[[], Message | None]
    holder: dict[str, Ticket]  # the ticket, once opened
    author: User | None = None
    body: str = ""

    @property
    def ticket(self) -> Ticket | None:
        return self.holder.get("ticket")


@transaction.atomic
def seed_demo(*, password: str | None = None, now: dt.datetime | None = None) -> int:
    """Create the demo teams, accounts and tickets. Returns the number of tickets made."""
    steps = demo_plan(password=password, now=now)
    for step in steps:
        step.run()
    return tickets_in(steps)


def tickets_in(steps: list[Step]) -> int:
    return sum(1 for step in steps if step.kind == "open")


def demo_plan(*, password: str | None = None, now: dt.datetime | None = None) -> list[Step]:
    """Create the demo teams, accounts and macros; return the steps that write its tickets,
    ticket after ticket (each ticket's steps in the order of their times)."""
    password = password or settings.VIGIL_DEMO_PASSWORD
    now = now or timezone.now()
    teams = _teams()
    users = _accounts(teams, password)
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    customers = {
        c["email"]: services.customer_get_or_create(name=c["name"], email=c["email"])
        for c in data["customers"]
    }
    _macros(teams, users)
    return [
        step
        for spec in data["tickets"]
        for step in _ticket_steps(spec, teams, customers, users, now)
    ]


def _teams() -> dict[str, Team]:
    teams = {}
    for slug, name, description in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    return teams


def _accounts(teams: dict[str, Team], password: str) -> dict[str, User]:
    User = get_user_model()
    users = {}
    for username, first, last, role_names, team_slugs in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@vigil.example"},
        )
        if created:
            user.set_password(password)
            if roles.ADMIN in role_names:
                user.is_staff = user.is_superuser = True
            user.save()
            user.groups.set(Group.objects.filter(name__in=role_names))
            for slug in team_slugs:
                teams[slug].members.add(user)
        users[username] = user
    return users


def _ticket_steps(
    spec: dict[str, Any],
    teams: dict[str, Team],
    customers: dict[str, Any],
    users: dict[str, User],
    now: dt.datetime,
) -> list[Step]:
    opened = now - dt.timedelta(hours=spec["opened_hours_ago"])
    first, *rest = spec["messages"]
    staff = users.get(spec.get("assignee") or "") or users["analyst"]
    holder: dict[str, Ticket] = {}

    def open_ticket() -> Message:
        holder["ticket"] = services.ticket_create(
            team=teams[spec["team"]],
            customer=customers[spec["customer"]],
            subject=spec["subject"],
            body=first["text"],
            priority=Ticket.Priority[spec["priority"].upper()],
            at=opened,
        )
        return holder["ticket"].messages.get()

    steps = [Step(opened, "open", open_ticket, holder, body=first["text"])]
    last_at = opened
    for item in rest:
        at = min(opened + dt.timedelta(minutes=item["after_minutes"]), now)
        last_at = max(last_at, at)
        steps.append(
            Step(
                at,
                item["role"],
                functools.partial(_message, holder, item, staff, at),
                holder,
                author=None if item["role"] in ("customer", "system") else staff,
                body=item["text"],
            )
        )

    def finish(end: dt.datetime = last_at) -> None:
        ticket = holder["ticket"]
        if spec.get("assignee"):
            ticket.assignee = users[spec["assignee"]]
            ticket.save(update_fields=["assignee"])
        if spec.get("tags"):
            ticket.tags = services.normalise_tags(spec["tags"])
            ticket.save(update_fields=["tags"])
        _reach_status(ticket, spec["status"], staff, end, now)
        if spec["subject"] in DEMO_RATINGS:
            rating, comment = DEMO_RATINGS[spec["subject"]]
            rating_services.rating_save(ticket=ticket, rating=rating, comment=comment)

    steps.append(Step(last_at, "finish", finish, holder))
    return steps


# What some customers said of their resolved tickets (subject → rating, comment).
DEMO_RATINGS = {
    "Permission denied (publickey) after rotating deploy keys": (
        "good",
        "Clear steps, back in within the hour.",
    ),
    "vCPU quota exceeded during month-end scale-out": ("good", ""),
    "How do I make a block volume bigger?": ("good", "Exactly what I needed."),
    "Uploads over 5GB fail with EntityTooLarge": (
        "bad",
        "Took three replies to learn about multipart uploads; the docs should say it.",
    ),
    "charged twice": ("good", "Refund arrived, thanks."),
}


def _message(
    holder: dict[str, Ticket], item: dict[str, Any], staff: User, at: dt.datetime
) -> Message:
    ticket = holder["ticket"]
    role = item["role"]
    if role == "customer":
        message, _ = services.message_create(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            body=item["text"],
            author_name=ticket.customer.name,
            at=at,
        )
    elif role == "system":
        message, _ = services.message_create(
            ticket=ticket,
            kind=Message.Kind.SYSTEM,
            body=item["text"],
            author_name="Vigil",
            at=at,
        )
    else:
        message, _ = services.message_create(
            ticket=ticket,
            kind=Message.Kind.ANALYST,
            body=item["text"],
            author=staff,
            author_name=item.get("author") or services.display_name(staff),
            internal=role == "note",
            at=at,
        )
    return message


def _reach_status(
    ticket: Ticket, target: str, staff: User, last_at: dt.datetime, now: dt.datetime
) -> None:
    steps = {
        "new": [],
        "open": ["open"],
        "waiting": ["waiting"],
        "resolved": ["resolved"],
        "closed": ["resolved", "closed"],
    }[target]
    at = last_at
    for status in steps:
        at = min(at + dt.timedelta(minutes=5), now)
        services.ticket_change_status(ticket=ticket, actor=staff, status=status, at=at)


# team slug (None: the analyst's own), name, body, status, priority, tags
DEMO_MACROS: list[tuple[str | None, str, str, str, int | None, list[str]]] = [
    (
        "compute",
        "Ask for the console log",
        "Hi {{ customer_first_name }},\n\nCould you send the serial console output of the "
        "instance (Console → Instance → Serial log)? It shows where the boot stops.\n\n"
        "You can reply here or on your ticket's page: {{ portal_link }}\n\n{{ analyst_name }}",
        Ticket.Status.WAITING,
        None,
        ["needs-logs"],
    ),
    (
        "storage",
        "Detach in progress",
        "Hi {{ customer_first_name }},\n\nWe are looking at the volume on {{ ticket_number }} "
        "now and will update you within the hour.\n\n{{ analyst_name }}",
        Ticket.Status.OPEN,
        Ticket.Priority.HIGH,
        [],
    ),
    (
        "billing",
        "Refund issued",
        "Hi {{ customer_first_name }},\n\nThe refund is issued; it reaches your card in 5 to 10 "
        "business days. I am resolving {{ ticket_number }}; reply if anything is missing.\n\n"
        "{{ analyst_name }}",
        Ticket.Status.RESOLVED,
        None,
        ["refund"],
    ),
    (
        "compute",
        "Ask for the instance and region",
        "Could you send the instance id and the region, so we can look at the host?",
        Ticket.Status.WAITING,
        None,
        [],
    ),
    (
        "storage",
        "Ask for the volume and region",
        "Could you send the volume id, the instance it was attached to and the region, so we "
        "can check it on our side?",
        Ticket.Status.WAITING,
        None,
        [],
    ),
    (
        "billing",
        "Ask for the invoice and card",
        "Could you tell us the invoice number and the last four digits of the card, so we can "
        "find both payments?",
        Ticket.Status.WAITING,
        None,
        [],
    ),
    (None, "Sign-off", "Best regards,\n{{ analyst_first_name }}", "", None, []),
]
# Holding replies and questions back answer nothing: the copilot does not offer them.
NOT_OFFERED_BY_COPILOT = {
    "Detach in progress",
    "Ask for the instance and region",
    "Ask for the volume and region",
    "Ask for the invoice and card",
}


def _macros(teams: dict[str, Team], users: dict[str, User]) -> None:
    for slug, name, body, status, priority, tags in DEMO_MACROS:
        Macro.objects.get_or_create(
            name=name,
            team=teams[slug] if slug else None,
            owner=None if slug else users["analyst"],
            defaults={
                "body": body,
                "set_status": status,
                "set_priority": priority,
                "add_tags": tags,
                "copilot_offers": name not in NOT_OFFERED_BY_COPILOT,
            },
        )
