"""Scores redaction on labelled sentences: recall per kind of personal data, and how often text
without personal data, or a link's scheme, host and path, was changed.

A labelled case is one JSON object a line: ``text``, ``pii`` (a list of ``[kind, value]`` pairs,
empty for a sentence without personal data) and optionally ``keep`` (strings that must survive
as written, such as the part of a link before its query). Used by the corpus test and by
``bench/redaction.py``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("phone", "card", "password", "token", "id", "email", "ip", "name")


@dataclass(frozen=True)
class Case:
    text: str
    pii: tuple[tuple[str, str], ...]
    keep: tuple[str, ...] = ()


@dataclass
class KindScore:
    total: int = 0
    found: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)  # (value, redacted text)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


@dataclass
class Score:
    kinds: dict[str, KindScore]
    clean_total: int
    clean_changed: list[tuple[str, str]]  # (text, redacted text) of sentences without data
    kept_broken: list[tuple[str, str]]  # (what had to stay, redacted text)
    seconds_per_case: float


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pii = tuple((kind, value) for kind, value in row["pii"])
            cases.append(Case(row["text"], pii, tuple(row.get("keep", ()))))
    return cases


def vanished(kind: str, value: str, redacted: str) -> bool:
    """Whether ``value`` is gone from ``redacted``: neither whole nor a telling piece of it is
    left (a surname without its first name, an email's user, a group of a card's digits)."""
    if value in redacted:
        return False
    return not any(
        re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", redacted) for piece in _telling(kind, value)
    )


def _telling(kind: str, value: str) -> list[str]:
    if kind == "name":
        return [piece for piece in re.split(r"[\W_]+", value) if len(piece) >= 2]
    if kind == "email":
        user = re.split(r"@|%40|\s*[\[(]at[\])]", value)[0]
        return [piece for piece in re.split(r"[\W_]+", user) if len(piece) >= 3]
    # Digits or a long run: "4577", "0132", "Xk2m9QpL"; not words such as "live" or "test".
    pieces = re.split(r"[\W_]+", value)
    return [p for p in pieces if len(p) >= 4 and (any(c.isdigit() for c in p) or len(p) >= 8)]


def score(cases: Iterable[Case], redact: Callable[[str], str]) -> Score:
    kinds = {kind: KindScore() for kind in KINDS}
    clean_total = 0
    clean_changed: list[tuple[str, str]] = []
    kept_broken: list[tuple[str, str]] = []
    elapsed = 0.0
    count = 0
    for case in cases:
        started = time.perf_counter()
        redacted = redact(case.text)
        elapsed += time.perf_counter() - started
        count += 1
        if not case.pii:
            clean_total += 1
            if redacted != case.text:
                clean_changed.append((case.text, redacted))
        for kind, value in case.pii:
            tally = kinds.setdefault(kind, KindScore())
            tally.total += 1
            if vanished(kind, value, redacted):
                tally.found += 1
            else:
                tally.missed.append((value, redacted))
        kept_broken += [(keep, redacted) for keep in case.keep if keep not in redacted]
    return Score(kinds, clean_total, clean_changed, kept_broken, elapsed / max(count, 1))
