"""Examples for the answerability model: from replays, and from what analysts did live.

A replay's ``--out`` rows hold, for each customer message, every candidate the local engine
scored with its features and whether it was right (``replay.labels``). Live, a run stores the
features of the answer it offered; an analyst sending or editing it says it was right,
dismissing it says it was not. Fitting uses the earlier conversations of each replayed file
and checks on the later ones, never the other way round.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ai import fitted
from copilot.models import CopilotRun, Suggestion
from copilot.pipeline import answerability
from tickets.models import Team

RIGHT_STATES = (Suggestion.State.SENT, Suggestion.State.EDITED, Suggestion.State.AUTO_SENT)


@dataclass
class Examples:
    rows: list[dict[str, float]] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)

    def add(self, features: dict[str, float], right: bool) -> None:
        self.rows.append({name: float(features.get(name, 0.0)) for name in answerability.FEATURES})
        self.labels.append(bool(right))

    def extend(self, other: "Examples") -> None:
        self.rows += other.rows
        self.labels += other.labels


@dataclass
class Decisions:
    """The candidates of each held-out customer message: the copilot offers the one the
    model gives the highest probability, and speaks when that clears the threshold."""

    messages: list[list[tuple[dict[str, float], bool]]] = field(default_factory=list)
    customer_messages: int = 0

    def offered(self, model: fitted.FittedModel) -> list[tuple[float, bool]]:
        """(probability, right) of the candidate offered on each message."""
        offered = []
        for candidates in self.messages:
            scored = [(model.probability(features), right) for features, right in candidates]
            offered.append(max(scored, key=lambda item: item[0]))
        return offered


def read_results(path: Path, *, fit_share: float) -> tuple[Examples, Examples, Decisions]:
    """Fitting and held-out examples from a replay's results, split by conversation order."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    decisions = [r for r in rows if r.get("type", "decision") == "decision"]
    order = list(dict.fromkeys(r["conversation"] for r in decisions))
    fitting_ids = set(order[: int(len(order) * fit_share)])
    fit, held, best = Examples(), Examples(), Decisions()
    for row in decisions:
        candidates = [c for c in row.get("candidates") or [] if "right" in c]
        target = fit if row["conversation"] in fitting_ids else held
        for candidate in candidates:
            target.add(candidate["features"], candidate["right"])
        if target is held:
            best.customer_messages += 1
            if candidates:
                best.messages.append([(c["features"], c["right"]) for c in candidates])
    return fit, held, best


def live_examples(teams: Iterable[Team] | None = None) -> Examples:
    """Runs whose offered answer an analyst sent, edited or dismissed."""
    runs = CopilotRun.objects.filter(
        decision=CopilotRun.Decision.SPEAK,
        kind=CopilotRun.Kind.ANSWER,
        suggestion__state__in=[*RIGHT_STATES, Suggestion.State.DISMISSED],
    ).exclude(features={})
    if teams is not None:
        runs = runs.filter(ticket__team__in=list(teams))
    examples = Examples()
    for features, state in runs.values_list("features", "suggestion__state").iterator():
        examples.add(features, state in RIGHT_STATES)
    return examples


def precision_at(
    decisions: Sequence[tuple[float, bool]], thresholds: Sequence[float], messages: int
) -> list[tuple[float, int, float | None, float]]:
    """(threshold, spoken, precision, share of messages spoken on) for each threshold."""
    table = []
    for threshold in thresholds:
        spoken = [right for probability, right in decisions if probability >= threshold]
        precision = sum(spoken) / len(spoken) if spoken else None
        table.append((threshold, len(spoken), precision, len(spoken) / max(messages, 1)))
    return table
