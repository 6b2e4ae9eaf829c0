from typing import Any

from django.core.management.base import BaseCommand

from knowledge import macro_knowledge


class Command(BaseCommand):
    help = (
        "Make every team macro's knowledge entry agree with its macro (the copilot cites team "
        "macros): for macros saved before entries were kept, or after a failed update."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = macro_knowledge.macros_sync_all()
        self.stdout.write(f"Looked at {count} macros; their knowledge entries agree with them.")
