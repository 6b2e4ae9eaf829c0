"""The part of a knowledge entry that answers the question, for the local engine's suggestion.

A learned entry is often several answers in one: what each analyst said in a resolved ticket,
a paragraph each. People answer with the one that fits: on replayed conversations, the
paragraph closest to the question resembled the human answer more often than the whole entry
did (docs/evaluation.md). A paragraph is never cut further: its sentences and list items are
often steps of one procedure, and an answer missing a step is worse than a long one.
"""

import re

from ai import embedding

PASSAGE_RE = re.compile(r"\n\s*\n")
MIN_WORDS = 3
MAX_PASSAGES = 16


def passages(answer: str) -> list[str]:
    """The answer's paragraphs with at least ``MIN_WORDS`` words, in order."""
    found = (part.strip() for part in PASSAGE_RE.split(answer))
    return [part for part in found if len(part.split()) >= MIN_WORDS][:MAX_PASSAGES]


def best_passage(question: str, answer: str) -> str | None:
    """The paragraph of ``answer`` closest in meaning to ``question``; None when the answer is
    one paragraph (then the whole answer is shown)."""
    found = passages(answer)
    if len(found) < 2:
        return None
    question_vector, *vectors = embedding.embed([question, *found])
    closeness = [
        sum(q * v for q, v in zip(question_vector, vector, strict=True)) for vector in vectors
    ]
    return found[max(range(len(found)), key=closeness.__getitem__)]
