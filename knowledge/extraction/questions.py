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

SUBJECT_ENOUGH = 3  # content words from which a subject of its own says what is wrong
TITLED_CHARS = 200  # a question led by such a subject: a line and a sentence or two
TITLED_UNITS = 2
_SUBJECT_PREFIX_RE = re.compile(r"^(?:(?:re|fwd?|urgent|help|question)\s*[:!-]\s*)+", _I)
_WORD_RE = re.compile(r"\w+")


def _question(
    thread: _Thread, subject: str, names: tuple[str, ...], *, own_subject: bool = True
) -> tuple[str, list[int]]:
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
    titled = _titled_question(subject, names, units) if own_subject else None
    if titled is not None:
        question, indexes = titled
        first = [index for index, _ in thread.question_parts[:1]]
        return question, indexes or ([thread.context_index] if thread.context else first)
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
    if len(_meaning(question)) < 2:
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
            words = _meaning(unit)
            if len(words) >= needed or _ERROR_LINE_RE.search(unit):
                units.append(unit)
    return units


def _titled_question(
    subject: str, names: tuple[str, ...], units: list[tuple[int, int, str]]
) -> tuple[str, list[int]] | None:
    """With a subject of the customer's own (an email's, a portal form's), the question a
    curator would write: the subject, which says in a line what is wrong, and at most two of
    the customer's sentences that add to it, the most telling first (a question of theirs,
    the error, the problem). The rest of the story (since when, amounts, asks about this
    ticket) stays in the sources, where the curation card shows it struck through.

    None when the subject is too short to say what is wrong ("charged twice"), or missing.
    The caller knows whether the subject is the customer's own (an imported chat or a tweet
    has none; its ticket's is made from the first message's opening words)."""
    line = _tidy(" ".join(_customer_units(_SUBJECT_PREFIX_RE.sub("", subject.strip()), names)))
    subject_words = _meaning(line)
    if len(subject_words) < SUBJECT_ENOUGH:
        return None
    lead = line.rstrip(".!:;,?") + ("?" if _is_question(line) else "")
    said = subject_words  # grows with each sentence chosen
    room = TITLED_CHARS - len(lead)
    chosen: list[int] = []
    # Their questions first (a short one too: "Do the credits expire?"), then as ranked.
    ranked = sorted(
        range(len(units)), key=lambda i: (not _is_question(units[i][2]), units[i][0], i)
    )
    for position in ranked:
        unit = units[position][2]
        words = _meaning(unit)
        if len(words) < 2 or not _adds(words, said) or len(unit) + 1 > room:
            continue  # asks about this ticket ("Can you check?"), repeats, or is too long
        chosen.append(position)
        said |= words
        room -= len(unit) + 1
        if len(chosen) == TITLED_UNITS:
            break
    told = " ".join(_as_sentence(units[i][2]) for i in sorted(chosen))
    if not told:
        return lead if lead.endswith("?") else lead + ".", []
    sources = sorted({units[i][1] for i in chosen if units[i][1] >= 0})
    if any(subject_words <= _meaning(units[i][2]) for i in chosen):
        return _tidy(told), sources  # a sentence of theirs says all the subject says, and more
    question = _tidy(f"{lead} {told}" if lead.endswith("?") else f"{lead}: {told}")
    return question, sources


def _meaning(text: str) -> frozenset[str]:
    """The content words of ``text``, redaction placeholders left out."""
    return _content_words(PLACEHOLDER_RE.sub("", text))


def _adds(words: frozenset[str], said: frozenset[str]) -> bool:
    """True when at least half of ``words`` are not in ``said``."""
    return len(words - said) >= 0.5 * len(words)


def _is_question(unit: str) -> bool:
    return unit.endswith("?") or bool(_INTERROGATIVE_RE.match(unit))


def opens(subject: str, text: str) -> bool:
    """True when ``subject`` is the opening words of ``text``."""
    head = _WORD_RE.findall(subject.lower())
    return bool(head) and _WORD_RE.findall(text.lower())[: len(head)] == head


def _question_priority(unit: str) -> int:
    if _is_question(unit):
        # "Can you check?" asks about this ticket; it goes last.
        return 0 if len(_meaning(unit)) >= 3 else 3
    if _ERROR_LINE_RE.search(unit):
        return 1
    return 2 if _PROBLEM_RE.search(unit) else 3


def _with_subject(question: str, subject: str, names: tuple[str, ...]) -> str:
    subject = _SUBJECT_PREFIX_RE.sub("", subject.strip())
    subject = redact(subject, names=names).strip()
    words = _content_words(subject)
    if len(words) < 2 or not _adds(words, _content_words(question)):
        return question  # the question already says what the subject says
    if not question:
        return subject
    with_subject = f"{subject.rstrip('.?!:')}: {question}"
    return with_subject if len(with_subject) <= MAX_QUESTION_CHARS else question
