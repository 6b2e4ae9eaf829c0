from typing import Any

from django.core.management.base import BaseCommand, CommandError

from replay import demo_history


class Command(BaseCommand):
    help = (
        "Seed the demo with its past, once: on an empty database its teams, accounts and "
        "tickets (as seed_demo) too; its handbook; 60 days of its teams' conversations played "
        "through the copilot and learning in time order, with the demo's tickets among them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_history.history_is_seeded():
            self.stdout.write("Demo history: the knowledge base is not empty; nothing seeded.")
            return
        try:
            seeded = demo_history.seed_history()
        except demo_history.HistoryError as exc:
            raise CommandError(str(exc)) from exc
        if seeded.tickets:
            self.stdout.write(self.style.SUCCESS(f"Demo data: seeded {seeded.tickets} tickets."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo history: {seeded.conversations} conversations over 60 days, "
                f"{seeded.runs} copilot runs, {seeded.learned} entries learned."
            )
        )
