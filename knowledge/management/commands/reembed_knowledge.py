import time
from typing import Any

from django.core.management.base import BaseCommand

from knowledge import services


class Command(BaseCommand):
    help = (
        "Embed every knowledge entry and example again (after changing the embedding model, "
        "or to embed examples kept from before they had vectors of their own)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--only-stale",
            action="store_true",
            help="only entries embedded by another model than the current one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = services.entries_reembed(only_stale=options["only_stale"])
        examples = services.examples_reembed(only_stale=options["only_stale"])
        self.stdout.write(
            f"Re-embedded {count} entries and {examples} examples "
            f"in {time.monotonic() - started:.1f} s."
        )
