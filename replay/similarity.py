"""How alike two answers are in words."""

import re
from collections import Counter

WORD_RE = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def token_f1(candidate: str, reference: str) -> float:
    """SQuAD-style token overlap F1."""
    got, want = Counter(tokens(candidate)), Counter(tokens(reference))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision = common / sum(got.values())
    recall = common / sum(want.values())
    return 2 * precision * recall / (precision + recall)
