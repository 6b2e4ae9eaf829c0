"""Which fitted model a team's copilot uses: its own newest, or the default in the package.

Looked up at most once a minute per team and purpose in each process, so a run costs no
query for it; a refit reaches every worker within that minute. An unreadable stored model
falls back to the default with a logged reason (``ai.fitted.model_or_default``).
"""

import time

from ai import fitted
from copilot.models import FittedModel
from tickets.models import Team

CHECK_EVERY_S = 60.0
_cache: dict[tuple[int, str], tuple[float, fitted.FittedModel]] = {}


def model_for(team: Team, purpose: str) -> fitted.FittedModel:
    """The model ``team`` uses for ``purpose``."""
    key = (team.pk, purpose)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < CHECK_EVERY_S:
        return cached[1]
    stored = (
        FittedModel.objects.filter(team=team, purpose=purpose, active=True)
        .values_list("body", flat=True)
        .first()
    )
    model = fitted.model_or_default(purpose, stored)
    _cache[key] = (now, model)
    return model


def forget() -> None:
    """Drop what was looked up (after a refit in this process, and in tests)."""
    _cache.clear()
