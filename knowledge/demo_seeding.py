"""The demo's knowledge: its handbook, and what it learns from the demo's finished tickets."""

from collections.abc import Iterable
from pathlib import Path

from knowledge import importing, learning
from knowledge.models import KnowledgeEntry
from tickets.models import Ticket

HANDBOOK = Path(__file__).parent / "demo" / "knowledge.jsonl"


def knowledge_is_seeded() -> bool:
    """The knowledge base has entries besides those kept from macros (which the demo's macros
    make as soon as they are saved): the demo's knowledge was seeded, or someone else's is
    there."""
    return KnowledgeEntry.objects.exclude(source=KnowledgeEntry.Source.MACRO).exists()


def handbook_import() -> int:
    """Import the handbook, approved for every team. Idempotent on each entry's id; returns
    the number of entries created."""
    result = importing.ImportResult()
    rows = importing.read_rows(HANDBOOK, result.errors)
    importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
    return result.created


def learn_from(tickets: Iterable[Ticket]) -> int:
    """Learn from each finished ticket in turn, as on its resolution; returns how many
    entries were proposed or gained evidence."""
    return sum(
        1
        for ticket in tickets
        for learned in learning.learn_from_ticket(ticket)
        if learned.action != "skipped"
    )


def finished_tickets() -> list[Ticket]:
    finished = Ticket.objects.filter(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED])
    return list(finished.select_related("team", "customer").order_by("resolved_at", "pk"))
