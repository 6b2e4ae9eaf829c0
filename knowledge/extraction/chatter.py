"""Telling what a sentence or turn is: a question, a problem, or ticket-specific chatter."""

from __future__ import annotations

import re

from knowledge.extraction.patterns import (
    _CHASING_RE,
    _GREETING_RE,
    _INTERROGATIVE_RE,
    _NAME_LINE_RE,
    _PROBLEM_RE,
    _SIGNOFF_RE,
    _STATUS_RE,
)
from knowledge.extraction.text import _has_words, _split_sentences, _strip_fillers, _strip_noise
from knowledge.redaction import PLACEHOLDER_RE

_NON_ANSWER_RE = re.compile(
    r"^\W*(sorry\W+)?(i|we)\s+(really\s+)?((don'?t|do not)\s+know|have no idea|can'?t help)\b"
    r"|\b(dunno|no idea)\b|\bi (don'?t know anything|know nothing) about\b",
    re.IGNORECASE,
)


def is_non_answer(text: str) -> bool:
    """True when an answer only says that its author does not know ("Sorry, I don't know
    anything about X", "no idea, try searching..."): nothing to offer a customer."""
    return bool(_NON_ANSWER_RE.search(text or ""))


def is_question_or_problem(text: str) -> bool:
    """True when ``text`` asks something or reports a problem, not just thanks or status."""
    cleaned = _strip_noise(text)
    if not _has_words(cleaned, 3):
        return False
    if "?" in cleaned:
        return True
    if any(_INTERROGATIVE_RE.match(unit) for unit in _split_sentences(cleaned)):
        return True
    return bool(_PROBLEM_RE.search(cleaned))


def is_status_talk(text: str) -> bool:
    """True when every sentence of ``text`` is ticket-specific chatter.

    Status updates ("I've escalated this", "we'll get back to you", "any update?"),
    greetings, thanks and sign-offs only make sense inside one ticket.
    """
    units = [unit for line in _strip_noise(text).splitlines() for unit in _split_sentences(line)]
    units = [unit for unit in units if unit.strip()]
    return bool(units) and all(_is_chatter(unit) for unit in units)


def is_pleasantry(unit: str) -> bool:
    """Greetings, thanks, sign-offs and chasing: words that say nothing about the problem."""
    return _is_pleasantry(unit)


def strip_greeting(text: str) -> str:
    """``text`` without the greeting it opens with: "Hi Priya, ", "Hello there! ",
    "Good morning <name>! ", "Hey Sam - "."""
    return _GREETING_RE.sub("", text.lstrip(), count=1)


def _is_chatter(unit: str) -> bool:
    if _is_pleasantry(unit):
        return True
    return bool(_STATUS_RE.search(_strip_fillers(unit)))


def _is_pleasantry(unit: str) -> bool:
    """Greetings, thanks, sign-offs and chasing, which both sides of a ticket say."""
    stripped = _strip_fillers(unit)
    if not stripped or not re.search(r"[A-Za-z0-9]", PLACEHOLDER_RE.sub("", stripped)):
        return True
    return bool(
        _SIGNOFF_RE.match(stripped)
        or _NAME_LINE_RE.match(stripped)
        or _GREETING_RE.fullmatch(stripped)
        or _CHASING_RE.search(stripped)
    )
