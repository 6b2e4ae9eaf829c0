"""The shapes the learner works with: turns in, candidates out, and threads in between."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 1200
MIN_ANSWER_CHARS = 40


@dataclass(frozen=True)
class Turn:
    index: int
    role: str  # "customer" | "analyst" | "copilot" | "system" | "bot"
    text: str
    internal: bool = False
    author: str = ""


@dataclass(frozen=True)
class Candidate:
    question: str
    answer: str
    source_indexes: tuple[int, ...]  # turns the question and the answer came from
    tags: tuple[str, ...] = ()


@dataclass
class _Thread:
    question_parts: list[tuple[int, str]] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    context: str = ""  # shared intro of a multi-part question, e.g. "We moved office."
    context_index: int = -1
