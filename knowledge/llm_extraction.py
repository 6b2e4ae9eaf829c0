"""Extraction with an LLM: the same candidates as the extractive learner, better generalised.

The model sees only this ticket's human messages, numbered, with the customer's text fenced as
untrusted data. Its output is checked: answers must cite analyst messages, and everything is
redacted again, whatever the model claims.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from ai import llm
from ai.fencing import fence
from knowledge.extraction import Candidate, Turn
from knowledge.prompts import PROMPTS_DIR
from knowledge.redaction import redact


class Extraction(BaseModel):
    """What the model extracted; each entry is checked by `_checked` before it is kept."""

    entries: list[Any]


MIN_ANSWER = 40


def extract_candidates(
    turns: Sequence[Turn], *, subject: str = "", names: Iterable[str] = ()
) -> list[Candidate]:
    names = list(names)
    human = [t for t in turns if t.role in {"customer", "analyst"} and not t.internal]
    if not any(t.role == "analyst" for t in human):
        return []
    prompt = llm.render_prompt(
        PROMPTS_DIR,
        "extract_knowledge.txt",
        subject=fence(subject),
        turns=[{"index": t.index, "role": t.role, "text": fence(t.text)} for t in human],
    )
    result = llm.complete_json(
        purpose="extract",
        messages=[{"role": "user", "content": prompt}],
        schema=Extraction,
    )
    analyst_indexes = {t.index for t in human if t.role == "analyst"}
    customer_indexes = {t.index for t in human if t.role == "customer"}
    candidates = []
    for item in result.data.entries:
        candidate = _checked(item, analyst_indexes, customer_indexes, names)
        if candidate is not None:
            candidates.append(candidate)
    return candidates


def _checked(
    item: object, analyst: set[int], customer: set[int], names: list[str]
) -> Candidate | None:
    if not isinstance(item, dict):
        return None
    question = redact(str(item.get("question", "")).strip(), names=names)[:300]
    answer = redact(str(item.get("answer", "")).strip(), names=names)[:1200]
    answer_from = {i for i in _ints(item.get("answer_messages")) if i in analyst}
    question_from = {i for i in _ints(item.get("question_messages")) if i in customer}
    # An answer must come from what analysts said; anything else is dropped, not trusted.
    if not question or len(answer) < MIN_ANSWER or not answer_from:
        return None
    return Candidate(
        question=question,
        answer=answer,
        source_indexes=tuple(sorted(question_from | answer_from)),
        tags=tuple(str(t)[:40] for t in item.get("tags", []) if isinstance(t, str))[:5],
    )


def _ints(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
