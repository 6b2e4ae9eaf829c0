"""Exploring below the threshold, so that calibration can lower it as well as raise it.

Suggestions under a team's threshold are never shown, so analysts never say whether they would
have been right, and calibration only ever sees scores above the threshold. A small share of
runs scoring just under it are shown anyway, labelled as such and never sent to a customer by
the copilot. Which runs explore follows from the message id alone, so a replay of the same
conversations explores the same messages.
"""

import hashlib

from copilot.models import TeamCopilotSettings
from copilot.pipeline.state import RunState

LABEL = "Exploring below threshold"
DEFAULT_SHARE = TeamCopilotSettings._meta.get_field("exploration_share").get_default()


def draw(message_id: int) -> float:
    """A number in [0, 1) fixed by the message id, spread evenly over messages."""
    digest = hashlib.sha256(f"copilot-exploration:{message_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def floor(settings: TeamCopilotSettings) -> float:
    """The lowest score that may be explored."""
    return settings.threshold - settings.exploration_margin


def explores(settings: TeamCopilotSettings, message_id: int, score: float) -> bool:
    """Whether a run with ``score`` under the threshold is shown anyway."""
    return (
        settings.exploration_share > 0
        and floor(settings) <= score < settings.threshold
        and draw(message_id) < settings.exploration_share
    )


def explore(state: RunState) -> bool:
    """Mark the run as exploring when its score, under the threshold, is to be shown anyway."""
    state.explored = state.score is not None and explores(
        state.settings, state.message.pk, state.score
    )
    return state.explored


def step_label(state: RunState) -> None:
    """An explored suggestion says so wherever it is shown, and why it was shown."""
    if not state.explored:
        return
    state.label = LABEL
    state.why = (
        f"exploring below the threshold ({state.score:.2f} < {state.settings.threshold}) "
        f"so that calibration learns whether it can come down; {state.why}"
    )


def sample_weight(settings: TeamCopilotSettings) -> float:
    """How many runs in the explored band one explored suggestion stands for."""
    return 1.0 / (settings.exploration_share or DEFAULT_SHARE)
