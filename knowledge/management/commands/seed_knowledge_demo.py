from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from knowledge import importing, learning
from knowledge.models import KnowledgeEntry
from tickets.models import Ticket

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "knowledge.jsonl"


class Command(BaseCommand):
    help = (
        "Seed the demo knowledge base once: a small handbook (approved) and what the copilot "
        "learns from the demo's resolved tickets (proposed, for the curation queue)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's team macros are entries already (knowledge.macro_knowledge): not a seeded
        # knowledge base.
        if KnowledgeEntry.objects.exclude(source=KnowledgeEntry.Source.MACRO).exists():
            self.stdout.write("Demo knowledge: the knowledge base is not empty; nothing seeded.")
            return
        result = importing.ImportResult()
        rows = importing.read_rows(DEMO_FILE, result.errors)
        importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
        learned = 0
        finished = Ticket.objects.filter(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED])
        for ticket in finished.select_related("team", "customer").order_by("resolved_at", "pk"):
            learned += sum(1 for r in learning.learn_from_ticket(ticket) if r.action != "skipped")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo knowledge: {result.created} handbook entries, {learned} learned from "
                "resolved tickets."
            )
        )
