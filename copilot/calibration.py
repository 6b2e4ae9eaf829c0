"""Choosing a team's threshold from what analysts did with its suggestions.

A suggestion counts as right when it was sent (as is, edited, or by the copilot itself) and
wrong when it was dismissed. The chosen threshold is the lowest score at which the
suggestions shown would have met the team's target precision: as many as possible, right
often enough.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from copilot.models import Suggestion, TeamCopilotSettings
from tickets.models import Team

RIGHT = {Suggestion.State.SENT, Suggestion.State.EDITED, Suggestion.State.AUTO_SENT}
WRONG = {Suggestion.State.DISMISSED}


@dataclass(frozen=True)
class Calibration:
    team: Team
    threshold: float | None  # None: keep the current one
    precision: float | None
    coverage: float | None
    samples: int
    note: str


def outcomes(team: Team) -> list[tuple[float, bool]]:
    """(score, right) for the team's decided answer suggestions."""
    decided = Suggestion.objects.filter(
        ticket__team=team,
        kind="answer",
        state__in=[*RIGHT, *WRONG],
        score__isnull=False,
    ).values_list("score", "state")
    return [(score, state in RIGHT) for score, state in decided if score is not None]


def choose_threshold(
    samples: list[tuple[float, bool]], *, target: float, min_samples: int
) -> tuple[float | None, float | None, float | None, str]:
    """(threshold, precision, coverage, note) for these samples."""
    if len(samples) < min_samples:
        return None, None, None, f"not enough feedback yet ({len(samples)} < {min_samples})"
    ranked = sorted(samples, key=lambda s: -s[0])
    best: tuple[float, float, float] | None = None
    right = 0
    for shown, (score, is_right) in enumerate(ranked, start=1):
        right += is_right
        next_score = ranked[shown][0] if shown < len(ranked) else None
        if next_score == score:
            continue  # a threshold cannot split equal scores
        precision = right / shown
        if precision >= target:
            best = (score, precision, shown / len(ranked))
    if best is None:
        return (
            None,
            None,
            None,
            (f"no threshold reaches precision {target:.2f} on {len(samples)} suggestions"),
        )
    threshold, precision, coverage = best
    note = (
        f"threshold {threshold:.3f}: precision {precision:.2f} on {round(coverage * len(samples))}"
        f" of {len(samples)} decided suggestions (target {target:.2f})"
    )
    return threshold, precision, coverage, note


def calibrate(team: Team, *, apply: bool = True) -> Calibration:
    settings = TeamCopilotSettings.objects.filter(team=team).first() or TeamCopilotSettings(
        team=team
    )
    samples = outcomes(team)
    threshold, precision, coverage, note = choose_threshold(
        samples, target=settings.target_precision, min_samples=settings.min_samples
    )
    if apply:
        with transaction.atomic():
            if threshold is not None:
                settings.threshold = round(threshold, 4)
            settings.calibrated_at = timezone.now()
            settings.calibration_note = note[:300]
            settings.save()
    return Calibration(team, threshold, precision, coverage, len(samples), note)


def calibrate_all(*, apply: bool = True) -> list[Calibration]:
    return [calibrate(team, apply=apply) for team in Team.objects.order_by("name")]
