"""Building the answer of a candidate from what analysts said publicly."""

from __future__ import annotations

import re

from knowledge.extraction.chatter import _is_chatter
from knowledge.extraction.patterns import _ACTIONABLE_RE, _LINK, _REQUEST_RE
from knowledge.extraction.records import MAX_ANSWER_CHARS, MIN_ANSWER_CHARS
from knowledge.extraction.text import (
    _capitalise,
    _content_words,
    _drop_names,
    _lines,
    _split_sentences,
    _strip_fillers,
    _strip_noise,
)
from knowledge.redaction import PLACEHOLDER_RE, URL_RE, redact


def _answer(answers: list[tuple[int, str]], names: tuple[str, ...]) -> tuple[str, list[int]]:
    paragraphs: list[str] = []
    indexes: list[int] = []
    length = 0
    seen: set[str] = set()
    for index, text in answers:
        for paragraph in _analyst_paragraphs(text, names, seen):
            room = MAX_ANSWER_CHARS - length - 2
            if len(paragraph) > room:
                paragraph = _cut_at_sentence(paragraph, room)
            if not paragraph:
                return "\n\n".join(paragraphs), indexes
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
            if index not in indexes:
                indexes.append(index)
    return "\n\n".join(paragraphs), indexes


def _cut_at_sentence(text: str, limit: int) -> str:
    """The longest run of whole sentences or lines of ``text`` that fits in ``limit``."""
    if limit < MIN_ANSWER_CHARS:
        return ""
    ends = [m.end() for m in re.finditer(r"[.!?`](?=\s)|\n", text[: limit + 1])]
    return text[: ends[-1]].rstrip() if ends else ""


def _analyst_paragraphs(text: str, names: tuple[str, ...], seen: set[str]) -> list[str]:
    """The reusable sentences of one analyst turn, redacted, by paragraph."""
    paragraphs: list[list[str]] = [[]]
    for line in _lines(redact(_strip_noise(text, keep_urls=True), names=names)):
        if line.blank_before and paragraphs[-1]:
            paragraphs.append([])
        kept = []
        for unit in line.units:
            unit = _up_to_the_link(_drop_names(_strip_fillers(unit)))
            if unit and unit.lower() not in seen and _is_reusable(unit):
                seen.add(unit.lower())
                kept.append(unit)
        if kept:
            paragraphs[-1].append(line.marker + " ".join(_capitalise(unit) for unit in kept))
    return ["\n".join(lines) for lines in paragraphs if lines]


def _up_to_the_link(unit: str) -> str:
    """A sentence that points to a page and then chats ("… these tips: <link> Hope this
    helps", "… <link> and let us know") keeps what leads to the page and the page."""
    links = list(URL_RE.finditer(unit))
    if not links or not _is_chatter(unit):
        return unit
    head = unit[: links[-1].end()]
    return head if not _is_chatter(PLACEHOLDER_RE.sub("", URL_RE.sub("", head))) else unit


def _is_reusable(unit: str) -> bool:
    if _is_chatter(unit) or _LINK in unit:
        return False
    if _REQUEST_RE.search(unit) and not URL_RE.search(unit):
        return False  # asks for this case's details; "please follow this guide: <link>" teaches
    if unit.endswith("?") and "`" not in unit and not URL_RE.search(unit):
        # A question back to the customer about their case; "Have you tried the steps here:
        # <link>?" is advice, and the page it points to is the answer.
        return False
    bare = PLACEHOLDER_RE.sub("", unit)
    if "`" not in unit and len(PLACEHOLDER_RE.findall(unit)) >= 2 and len(_content_words(bare)) < 5:
        return False  # e.g. "- <id>: credit note voiding <id>", a list of this ticket's records
    return len(_content_words(bare)) >= 1 or "`" in unit


def _has_substance(answer: str) -> bool:
    units = [unit for line in answer.splitlines() for unit in _split_sentences(line)]
    # A link to a page is substance: the page holds the steps.
    return any(
        "`" in unit
        or URL_RE.search(unit)
        or (len(unit.split()) >= 6 and _ACTIONABLE_RE.search(unit))
        for unit in units
    )
