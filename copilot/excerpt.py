"""The part of a knowledge entry that answers the question, for the local engine's suggestion.

Entries are often several answers in one (a factoid with links and caveats, or what several
analysts said in a resolved ticket). People answer with the one line that fits: on replayed
conversations, the passage closest to the question resembled the human answer more often
than the whole entry did (docs/evaluation.md).
"""

import re

from copilot import llm

PASSAGE_RE = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
MIN_WORDS = 3
MAX_PASSAGES = 16


def passages(answer: str) -> list[str]:
    """The answer's lines and sentences with at least ``MIN_WORDS`` words, in order."""
    found = (part.strip() for part in PASSAGE_RE.split(answer))
    return [part for part in found if len(part.split()) >= MIN_WORDS][:MAX_PASSAGES]


def best_passage(question: str, answer: str) -> str | None:
    """The passage of ``answer`` closest in meaning to ``question``; None when the answer is
    one passage (then the whole answer is the excerpt)."""
    found = passages(answer)
    if len(found) < 2:
        return None
    question_vector, *vectors = llm.embed([question, *found])
    closeness = [
        sum(q * v for q, v in zip(question_vector, vector, strict=True)) for vector in vectors
    ]
    return found[max(range(len(found)), key=closeness.__getitem__)]
