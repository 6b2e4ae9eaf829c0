"""How sure the copilot is that knowledge answers the newest customer turn."""

import math

# Below this closeness (the hybrid search's score) the knowledge is about something else,
# however question-like the message: a call to the model would be wasted. The local engine's
# own threshold sits above it.
RELEVANT_FROM = 0.45


def local_score(closeness: float, gate_probability: float | None) -> float:
    """The local engine's answerability: the geometric mean of how close the best entry is
    and how likely the message is a question that people answer (the gate's probability).

    Closeness alone hardly tells answered questions from chatter that happens to share words
    with an entry; on replayed IRC conversations the mean, at the same coverage, raised the
    share of suggestions on messages a human answered from 0.58 to 0.69 (docs/evaluation.md).
    """
    if gate_probability is None:
        return closeness
    return math.sqrt(max(closeness, 0.0) * max(gate_probability, 0.0))
