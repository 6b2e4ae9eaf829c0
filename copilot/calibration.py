"""Choosing a team's threshold from what analysts did with its suggestions.

A suggestion counts as right when it was sent (as is, edited, or by the copilot itself) and
wrong when it was dismissed. The chosen threshold is the lowest score at which the
suggestions shown would have met the team's target precision: as many as possible, right
often enough.

Suggestions shown while exploring below the threshold (`copilot.exploration`) are the only
feedback under it, and only a share of the runs there were shown: each counts for the runs it
stands for, so that a lower threshold is judged on all it would show.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from copilot import services
from copilot.models import Suggestion, TeamCopilotSettings
from copilot.pipeline import exploration
from tickets.models import Team

RIGHT = {Suggestion.State.SENT, Suggestion.State.EDITED, Suggestion.State.AUTO_SENT}
WRONG = {Suggestion.State.DISMISSED}

# (score, right) or (score, right, weight): how many runs the suggestion stands for.
Sample = tuple[float, bool] | tuple[float, bool, float]


@dataclass(frozen=True)
class Calibration:
    team: Team
    threshold: float | None  # None: keep the current one
    precision: float | None
    coverage: float | None
    samples: int
    note: str
    explored: int = 0


def outcomes(team: Team) -> list[tuple[float, bool, bool]]:
    """(score, right, explored) for the team's decided answer suggestions."""
    decided = Suggestion.objects.filter(
        ticket__team=team,
        kind="answer",
        state__in=[*RIGHT, *WRONG],
        score__isnull=False,
    ).values_list("score", "state", "run__explored")
    return [
        (score, state in RIGHT, explored) for score, state, explored in decided if score is not None
    ]


def _weight(sample: Sample) -> float:
    return sample[2] if len(sample) == 3 else 1.0


def choose_threshold(
    samples: Sequence[Sample], *, target: float, min_samples: int
) -> tuple[float | None, float | None, float | None, str]:
    """(threshold, precision, coverage, note) for these samples, each counted by its weight."""
    if len(samples) < min_samples:
        return None, None, None, f"not enough feedback yet ({len(samples)} < {min_samples})"
    ranked = sorted(samples, key=lambda s: -s[0])
    total = sum(_weight(s) for s in ranked)
    best: tuple[float, float, float, int] | None = None
    right = seen = 0.0
    for shown, sample in enumerate(ranked, start=1):
        score, is_right, weight = sample[0], sample[1], _weight(sample)
        seen += weight
        right += weight * is_right
        next_score = ranked[shown][0] if shown < len(ranked) else None
        if next_score == score:
            continue  # a threshold cannot split equal scores
        precision = right / seen
        if precision >= target:
            best = (score, precision, seen / total, shown)
    if best is None:
        return (
            None,
            None,
            None,
            (f"no threshold reaches precision {target:.2f} on {len(samples)} suggestions"),
        )
    threshold, precision, coverage, shown = best
    note = (
        f"threshold {threshold:.3f}: precision {precision:.2f} on {shown}"
        f" of {len(samples)} decided suggestions (target {target:.2f})"
    )
    return threshold, precision, coverage, note


def calibrate(team: Team, *, apply: bool = True) -> Calibration:
    settings = TeamCopilotSettings.objects.filter(team=team).first() or TeamCopilotSettings(
        team=team
    )
    decided = outcomes(team)
    weight = exploration.sample_weight(settings)
    samples = [(score, right, weight if explored else 1.0) for score, right, explored in decided]
    threshold, precision, coverage, note = choose_threshold(
        samples, target=settings.target_precision, min_samples=settings.min_samples
    )
    explored = sum(1 for *_, was_explored in decided if was_explored)
    note = f"{note}; {explored} explored below the threshold"
    if apply:
        services.team_settings_calibrated(settings=settings, threshold=threshold, note=note)
    return Calibration(team, threshold, precision, coverage, len(samples), note, explored)


def calibrate_all(*, apply: bool = True) -> list[Calibration]:
    return [calibrate(team, apply=apply) for team in Team.objects.order_by("name")]
