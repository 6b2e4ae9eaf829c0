"""How the panel says what the copilot's numbers mean."""

import math

from django import template

register = template.Library()

# (lowest tenths, band, words): a calibrated probability p means about p of the suggestions
# like this one were right in the conversations the model was fitted on. The band follows the
# rounded figure, so the words and the "n in 10" always agree.
BANDS = (
    (7, "likely", "Likely right"),
    (5, "probably", "Probably right"),
    (3, "unsure", "Unsure"),
    (0, "long-shot", "Long shot"),
)


def _tenths(score: float) -> int:
    return max(0, min(10, round(score * 10)))


def _band(score: float) -> tuple[int, str, str]:
    tenths = _tenths(score)
    return next(band for band in BANDS if tenths >= band[0])


@register.filter
def confidence(score: float | None) -> str:
    """'Likely right — about 7 in 10 like this were right', from a calibrated probability."""
    if score is None:
        return ""
    tenths = _tenths(score)
    if tenths == 0:
        share = "fewer than 1 in 10"
    elif tenths == 10:
        share = "more than 9 in 10"
    else:
        share = f"about {tenths} in 10"
    return f"{_band(score)[2]} — {share} like this were right"


@register.filter
def confidence_band(score: float | None) -> str:
    """The band's name for styling: likely, probably, unsure or long-shot."""
    return "" if score is None else _band(score)[1]


@register.filter
def percent(value: float | None) -> str:
    """0.85 → '85 %'."""
    return "" if value is None else f"{round(value * 100)} %"


@register.filter
def rounded_down(score: float | None) -> str:
    """0.986 → '0.98': rounded down, so a score under the send level never shows as at it."""
    return "" if score is None else f"{math.floor(score * 100) / 100:.2f}"
