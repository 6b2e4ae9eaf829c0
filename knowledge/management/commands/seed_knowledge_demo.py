from typing import Any

from django.core.management.base import BaseCommand

from knowledge import demo_seeding


class Command(BaseCommand):
    help = (
        "Seed the demo knowledge base once: a small handbook (approved) and what the copilot "
        "learns from the demo's resolved tickets (proposed, for the curation queue)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_seeding.knowledge_is_seeded():
            self.stdout.write("Demo knowledge: the knowledge base is not empty; nothing seeded.")
            return
        created = demo_seeding.handbook_import()
        learned = demo_seeding.learn_from(demo_seeding.finished_tickets())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo knowledge: {created} handbook entries, {learned} learned from "
                "resolved tickets."
            )
        )
