"""How likely a knowledge entry is the right answer to the newest customer turn.

Each candidate the retrieval found is described by a few features one can defend (how close
the entry, its answer and the past questions that ended with it are, by meaning and by rare
words, how many of those agree, how clearly it leads the others, how often the team needed
this answer, how question-like the message is, and what the team's own answer classifier,
fitted on the words of its resolved tickets, gives it), and a fitted, calibrated model turns
them into the probability that an analyst would have given this answer. The candidate with the
highest probability is the one the copilot offers; the probability is the score compared with
the team's threshold.

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
    # How the past questions nearest to this one voted: by meaning, and by rare words shared.
    "vote",
    "agreeing",
    "word_vote",
    "vote_margin",
    # How close the entry's nearest past question, its answer, and the entry itself are.
    "example_similarity",
    "example_margin",
    "word_overlap",
    "answer_similarity",
    "answer_margin",
    "title_match",
    "closeness",
    "similarity",
    "text_match",
    "closeness_margin",
    # What the team's history says: how often this answer was the answer, and lately.
    "prior",
    "evidence",
    "history",
    "recent",
    "imported",
    # The message itself, and what analysts did with the entry when it was offered.
    "gate",
    "question_mark",
    "words",
    "position",
    "acceptance",
    "dismissals",
    # What the team's own answer classifier (``ai.text_classifier``), fitted on the words of
    # its history, gives this answer.
    "classifier",
)
# Stored with every run too, for analysis and later fits, but not weighed by the fitted model:
# the entry search's own scores and the message's shape overlap the signals above, and
# acceptance and dismissals join once teams have enough clicks to fit them.
RECORDED_ONLY = frozenset(
    {
        "closeness",
        "similarity",
        "text_match",
        "closeness_margin",
        "words",
        "position",
        "acceptance",
        "dismissals",
    }
)
# What the fitted model weighs: signals that mean the same for every team and channel.
MODEL_FEATURES = tuple(name for name in FEATURES if name not in RECORDED_ONLY)
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
    examples = retrieval.examples_in_scope
    recent = retrieval.recent

    def margin(value: float, of: str) -> float:
        return value - max((getattr(c, of) for c in others), default=0.0)

    return {
        "vote": candidate.vote,
        "agreeing": candidate.agreeing / max(retrieval.neighbours, 1),
        "word_vote": candidate.word_vote,
        "vote_margin": margin(candidate.vote, "vote"),
        "example_similarity": candidate.example_similarity,
        "example_margin": margin(candidate.example_similarity, "example_similarity"),
        "word_overlap": candidate.word_overlap,
        "answer_similarity": candidate.answer_similarity,
        "answer_margin": margin(candidate.answer_similarity, "answer_similarity"),
        "title_match": float(candidate.title_match),
        "closeness": candidate.closeness,
        "similarity": candidate.similarity,
        "text_match": float(candidate.text_rank is not None),
        "closeness_margin": margin(candidate.closeness, "closeness"),
        "prior": candidate.examples / (examples + 1),
        "evidence": math.log1p(candidate.examples),
        "history": math.log1p(examples),
        "recent": sum(1 for pk in recent if pk == entry.pk) / max(len(recent), 1),
        "imported": float(candidate.imported),
        "gate": gate_probability if gate_probability is not None else 0.5,
        "question_mark": float("?" in query),
        "words": math.log1p(len(WORD_RE.findall(query))),
        "position": math.log1p(position),
        # Sent or edited, out of suggested; a new entry starts at an even chance.
        "acceptance": (entry.times_accepted + entry.times_edited + 1) / (entry.times_suggested + 2),
        "dismissals": math.log1p(entry.times_dismissed),
        "classifier": candidate.classifier,
    }


def rounded(values: dict[str, float]) -> dict[str, float]:
    """Features as stored with a run: short, and still enough to refit from."""
    return {name: round(value, 4) for name, value in values.items()}


Scored = tuple[Candidate, float, dict[str, float]]


def ranked(scored: Sequence[Scored]) -> list[Scored]:
    """Candidates by probability, highest first (ties: the retrieval's order), except that

    - entries giving the same answer are one answer: they stand together at the place of the
      likeliest of them, led by the one whose subject the question names (a knowledge base's
      aliases: entries "vpn" and "remote access" holding the same text; asked about the VPN,
      "vpn" is the one to cite);
    - answers whose subject the question names come before those it does not: asked "how do
      I install realplayer?", the entry titled "realplayer" leads the ones that only read
      alike, as a search by name would have it.

    Each keeps its own probability; ``answer_probability`` gives the answer's, and so whether
    the copilot speaks: a named answer that is unlikely stays unlikely."""
    groups: dict[str, list[Scored]] = {}
    for item in sorted(scored, key=lambda item: -item[1]):
        groups.setdefault(_answer_key(item[0]), []).append(item)
    named_first = sorted(
        groups.values(), key=lambda members: not any(item[0].title_match for item in members)
    )
    order: list[Scored] = []
    for members in named_first:
        lead = next((item for item in members if item[0].title_match), members[0])
        order += [lead, *(item for item in members if item is not lead)]
    return order


def answer_probability(ranked_candidates: Sequence[Scored]) -> float:
    """How likely the answer of the first of ``ranked`` candidates is right: the highest
    probability of the entries giving that answer."""
    key = _answer_key(ranked_candidates[0][0])
    return max(p for candidate, p, _ in ranked_candidates if _answer_key(candidate) == key)


def _answer_key(candidate: Candidate) -> str:
    return " ".join(candidate.entry.answer.lower().split())
