"""Replaying recorded conversations through the copilot, and what a team does with the result."""

from django.db import transaction
from django.utils import timezone

from copilot.models import TeamCopilotSettings
from tickets.models import Team


def apply_threshold(team: Team, threshold: float, *, note: str) -> TeamCopilotSettings:
    """Set ``team``'s suggestion threshold, e.g. the one a replay found for its target."""
    if not 0.0 <= threshold <= 2.0:
        raise ValueError(f"A threshold of {threshold} is out of range.")
    with transaction.atomic():
        settings, _ = TeamCopilotSettings.objects.select_for_update().get_or_create(team=team)
        settings.threshold = round(threshold, 4)
        settings.calibrated_at = timezone.now()
        settings.calibration_note = note[:300]
        settings.save(update_fields=["threshold", "calibrated_at", "calibration_note"])
    return settings
