"""How likely a knowledge entry is the right answer to the newest customer turn.

Each candidate the retrieval found is described by a few features one can defend (how close
the entry and the past questions that ended with it are, how many of those agree, how clearly
it leads the others, how question-like the message is, how the entry fared when suggested),
and a fitted, calibrated model turns them into the probability that an analyst would have
given this answer. The candidate with the highest probability is the one the copilot offers;
the probability is the score compared with the team's threshold.

The model is the team's own when one was fitted on its history (``manage.py fit_copilot``),
otherwise the default shipped in the package; see ``ai.fitted``.
"""

import math
import re
from collections.abc import Sequence

from knowledge.selectors import Candidate, Retrieval

PURPOSE = "answerability"
# Below this closeness (the hybrid search's score) the knowledge is about something else,
# however question-like the message: a call to the model would be wasted. Used by the LLM
# engine; the local engine's fitted model weighs closeness with everything else.
RELEVANT_FROM = 0.45
FEATURES = (
    "vote",
    "agreeing",
    "example_similarity",
    "best_example_similarity",
    "closeness",
    "similarity",
    "text_match",
    "vote_margin",
    "closeness_margin",
    "gate",
    "question_mark",
    "words",
    "position",
    "evidence",
    "acceptance",
    "dismissals",
    "learned",
)
# What the fitted model weighs: signals whose meaning does not depend on where the data came
# from. The others are stored with every run too, for analysis and later fits, but a model
# fitted on one channel's habits (its message lengths, how far into a chat people ask, whether
# its knowledge was imported) would carry those habits to every team.
MODEL_FEATURES = (
    "vote",
    "agreeing",
    "example_similarity",
    "best_example_similarity",
    "closeness",
    "similarity",
    "vote_margin",
    "closeness_margin",
    "gate",
    "evidence",
    "acceptance",
    "dismissals",
)
WORD_RE = re.compile(r"\w+")


def features(
    candidate: Candidate,
    retrieval: Retrieval,
    *,
    query: str,
    gate_probability: float | None,
    position: int,
) -> dict[str, float]:
    """The features of ``candidate`` as the answer to ``query``, by name (see ``FEATURES``)."""
    others = [c for c in retrieval.candidates if c.entry.pk != candidate.entry.pk]
    entry = candidate.entry
    return {
        "vote": candidate.vote,
        "agreeing": candidate.agreeing / max(retrieval.neighbours, 1),
        "example_similarity": candidate.example_similarity,
        "best_example_similarity": retrieval.best_example_similarity,
        "closeness": candidate.closeness,
        "similarity": candidate.similarity,
        "text_match": float(candidate.text_rank is not None),
        "vote_margin": candidate.vote - max((c.vote for c in others), default=0.0),
        "closeness_margin": candidate.closeness - max((c.closeness for c in others), default=0.0),
        "gate": gate_probability if gate_probability is not None else 0.5,
        "question_mark": float("?" in query),
        "words": math.log1p(len(WORD_RE.findall(query))),
        "position": math.log1p(position),
        "evidence": math.log1p(entry.evidence_count),
        # Sent or edited, out of suggested; a new entry starts at an even chance.
        "acceptance": (entry.times_accepted + entry.times_edited + 1) / (entry.times_suggested + 2),
        "dismissals": math.log1p(entry.times_dismissed),
        "learned": float(entry.source == entry.Source.LEARNED),
    }


def rounded(values: dict[str, float]) -> dict[str, float]:
    """Features as stored with a run: short, and still enough to refit from."""
    return {name: round(value, 4) for name, value in values.items()}


def ranked(
    scored: Sequence[tuple[Candidate, float, dict[str, float]]],
) -> list[tuple[Candidate, float, dict[str, float]]]:
    """Candidates by probability, highest first (ties: the retrieval's order)."""
    return sorted(scored, key=lambda item: -item[1])
