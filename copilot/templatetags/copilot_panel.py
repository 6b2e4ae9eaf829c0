"""How the panel says what the copilot's numbers mean."""

from django import template

register = template.Library()

# (lowest probability, words): a calibrated probability p means about p of the suggestions
# like this one were right in the conversations the model was fitted on.
BANDS = (
    (0.7, "Likely right"),
    (0.5, "Probably right"),
    (0.3, "Unsure"),
    (0.0, "Long shot"),
)


@register.filter
def confidence(score: float | None) -> str:
    """'Likely right — about 7 in 10 like this were right', from a calibrated probability."""
    if score is None:
        return ""
    words = next(words for low, words in BANDS if score >= low)
    tenths = max(1, min(9, round(score * 10)))
    return f"{words} — about {tenths} in 10 like this were right"
