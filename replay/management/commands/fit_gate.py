from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from copilot.pipeline import gate
from replay import gate_fit
from replay.reading import ReplayInputError, read_conversations


class Command(BaseCommand):
    help = (
        "Fit the local gate's weights on recorded conversations (answered = linked by a "
        "reply_to from an analyst's answer, or else followed by an analyst's reply that is not "
        "a question) and print them with a reliability table on held-out conversations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "conversations", nargs="+", help="JSONL files in the replay format (one per source)"
        )
        parser.add_argument(
            "--held-out", type=float, default=0.3, help="share of (later) conversations to check on"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.05 <= options["held_out"] <= 0.9:
            raise CommandError("--held-out must be between 0.05 and 0.9.")
        warnings: list[str] = []
        try:
            conversations = [
                list(read_conversations(Path(path), warnings)) for path in options["conversations"]
            ]
        except ReplayInputError as exc:
            raise CommandError(str(exc)) from exc
        for warning in warnings:
            self.stderr.write(f"skipped {warning}")
        try:
            result = gate_fit.fit(conversations, held_out_share=options["held_out"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        current = gate_fit.fit_current(conversations, held_out_share=options["held_out"])
        self.stdout.write(
            f"fitted on {result.train} customer messages, checked on {result.held_out} "
            f"(answered: {result.base_rate:.1%})"
        )
        self.stdout.write(
            f"held-out log loss: fitted {result.log_loss:.4f}, current weights {current:.4f}"
        )
        self.stdout.write("WEIGHTS = {")
        for name, value in result.weights.items():
            self.stdout.write(f'    "{name}": {value},  # now {gate.WEIGHTS[name]}')
        self.stdout.write("}")
        self.stdout.write("reliability on held-out conversations (predicted → observed):")
        for (low, high, count, observed), mean in zip(
            result.reliability, result.mean_predicted, strict=True
        ):
            self.stdout.write(
                f"  p in [{low:.1f}, {high:.1f}): {count:5d} messages, mean predicted "
                f"{mean:.2f}, answered {observed:.2f}"
            )
