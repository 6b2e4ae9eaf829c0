"""Building the question of a candidate from what the customer wrote."""

from __future__ import annotations

import re

from knowledge.extraction.chatter import _is_pleasantry
from knowledge.extraction.patterns import (
    _COMMAND_RE,
    _ERROR_LINE_RE,
    _GUESS_RE,
    _I,
    _INTERROGATIVE_RE,
    _PROBLEM_RE,
    _URGENCY_RE,
)
from knowledge.extraction.records import MAX_QUESTION_CHARS, _Thread
from knowledge.extraction.text import (
    _as_sentence,
    _content_words,
    _drop_placeholder_asides,
    _lines,
    _shorten,
    _strip_fillers,
    _strip_noise,
    _tidy,
)
from knowledge.redaction import PLACEHOLDER_RE, redact


def _question(thread: _Thread, subject: str, names: tuple[str, ...]) -> tuple[str, list[int]]:
    units: list[tuple[int, int, str]] = []  # (priority, turn index, text), in reading order
    seen: set[str] = set()
    for index, text in [(thread.context_index, thread.context), *thread.question_parts]:
        for unit in _customer_units(text, names):
            if unit.lower() not in seen:
                seen.add(unit.lower())
                units.append((_question_priority(unit), index, unit))
    for i in range(len(units) - 1):
        if units[i][2].endswith(":") and units[i + 1][0] == 1:
            units[i] = (1, units[i][1], units[i][2])  # "We get this when we scale out:" + error
    chosen: set[int] = set()
    length = 0
    for position in sorted(range(len(units)), key=lambda i: (units[i][0], i)):
        size = len(units[position][2]) + 1
        if length + size <= MAX_QUESTION_CHARS:
            chosen.add(position)
            length += size
    if not chosen and units:
        chosen.add(min(range(len(units)), key=lambda i: (units[i][0], i)))
    picked = [units[i] for i in sorted(chosen)]
    question = _tidy(" ".join(_as_sentence(text) for _, _, text in picked))
    if len(_content_words(PLACEHOLDER_RE.sub("", question))) < 2:
        # Everything was a plea or a complaint ("Please, please help me delete my account."):
        # what the customer first wrote, cleaned, still says what they needed.
        question = plain_question(thread.context, names)
    question = _with_subject(question, subject, names)
    if _INTERROGATIVE_RE.match(picked[-1][2] if picked else "") and not question.endswith("?"):
        question = question.rstrip(".!:;,") + "?"
    return _shorten(question, MAX_QUESTION_CHARS), sorted({i for _, i, _ in picked if i >= 0})


def plain_question(text: str, names: tuple[str, ...]) -> str:
    """What a customer wrote, as one line: redacted, without handles, links and fillers."""
    cleaned = _tidy(" ".join(_strip_fillers(redact(_strip_noise(text), names=names)).split()))
    return _shorten(cleaned, MAX_QUESTION_CHARS)


def _customer_units(text: str, names: tuple[str, ...]) -> list[str]:
    units = []
    for line in _lines(redact(_strip_noise(text), names=names)):
        for unit in line.units:
            unit = _strip_fillers(unit)
            if not unit or _is_pleasantry(unit) or (_URGENCY_RE.search(unit) and "?" not in unit):
                continue
            if _COMMAND_RE.match(unit) or _GUESS_RE.match(unit):
                continue  # a pasted command or the customer's own theory is not the question
            unit = _drop_placeholder_asides(unit)
            # "Why does this happen?" is a question; "We're in eu-west-1." is only detail.
            needed = 1 if unit.endswith("?") else 2
            words = _content_words(PLACEHOLDER_RE.sub("", unit))
            if len(words) >= needed or _ERROR_LINE_RE.search(unit):
                units.append(unit)
    return units


def _question_priority(unit: str) -> int:
    if unit.endswith("?") or _INTERROGATIVE_RE.match(unit):
        # "Can you check?" asks about this ticket; it goes last.
        return 0 if len(_content_words(PLACEHOLDER_RE.sub("", unit))) >= 3 else 3
    if _ERROR_LINE_RE.search(unit):
        return 1
    return 2 if _PROBLEM_RE.search(unit) else 3


def _with_subject(question: str, subject: str, names: tuple[str, ...]) -> str:
    subject = re.sub(
        r"^(?:(?:re|fwd?|urgent|help|question)\s*[:!-]\s*)+", "", subject.strip(), flags=_I
    )
    subject = redact(subject, names=names).strip()
    words = _content_words(subject)
    if len(words) < 2 or len(words - _content_words(question)) < 0.5 * len(words):
        return question  # the question already says what the subject says
    if not question:
        return subject
    with_subject = f"{subject.rstrip('.?!:')}: {question}"
    return with_subject if len(with_subject) <= MAX_QUESTION_CHARS else question
