"""Pairing questions with answers: threading a conversation and building its candidates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.extraction.answers import _answer, _has_substance
from knowledge.extraction.chatter import is_question_or_problem, is_status_talk
from knowledge.extraction.patterns import (
    _CONTINUATION_RE,
    _ERROR_CODE_RE,
    _GENERIC_AUTHORS,
    _INTERROGATIVE_RE,
    _NEW_QUESTION_RE,
    _NUMBERED_RE,
)
from knowledge.extraction.questions import _question, opens
from knowledge.extraction.records import MIN_ANSWER_CHARS, Candidate, Turn, _Thread
from knowledge.extraction.text import _content_words, _has_words, bare_name


def extract_candidates(
    turns: Sequence[Turn],
    *,
    subject: str = "",
    names: Iterable[str] = (),
    not_names: Iterable[str] = (),
) -> list[Candidate]:
    """Reusable question → answer pairs found in a ticket's conversation, in order. ``names``
    and the turns' authors are redacted, except those ``not_names`` holds (``bare_name``
    forms): a team's own name, which a shared support account writes under, is the brand the
    answers speak of ("your Google account"), not a person."""
    kept = frozenset(not_names)
    authors = (turn.author for turn in turns if turn.author)
    all_names = tuple(
        name
        for name in (*names, *(a for a in authors if a.lower() not in _GENERIC_AUTHORS))
        if bare_name(name) not in kept
    )
    groups = _thread_groups(turns)
    # A subject made from the first message's opening words (a chat or a tweet has none) is
    # not the customer's own summary of the problem.
    own = not any(opens(subject, turn.text) for turn in turns if turn.role == "customer")
    candidates = []
    for group_number, group in enumerate(groups):
        for thread in group:
            use_subject = subject if group_number == 0 and len(group) == 1 else ""
            candidate = _candidate(thread, use_subject, all_names, own_subject=own)
            if candidate is not None:
                candidates.append(candidate)
    return candidates


# Threading: which customer turns ask what, and which analyst turns answer it.


def _thread_groups(turns: Sequence[Turn]) -> list[list[_Thread]]:
    groups: list[list[_Thread]] = []
    answered = False
    pending_followup = ""
    for turn in turns:
        if turn.internal or turn.role == "note":
            continue
        if turn.role == "customer":
            if not groups:
                # The first real customer message states the problem even when it is
                # phrased as a request ("Please raise our quota to 100.").
                if _has_words(turn.text, 3) and not is_status_talk(turn.text):
                    groups.append(_open_group(turn))
            elif not answered:
                for thread in groups[-1]:
                    thread.question_parts.append((turn.index, turn.text))
            else:
                before, new = _split_new_question(turn.text, groups[-1])
                if new:
                    groups.append(_open_group(Turn(turn.index, turn.role, new)))
                    answered = False
                pending_followup = before
        elif turn.role == "analyst" and groups:
            _route_answer(groups[-1], turn, pending_followup)
            answered = True
            pending_followup = ""
    return groups


def _open_group(turn: Turn) -> list[_Thread]:
    parts = _numbered_questions(turn.text)
    if parts is None:
        return [_Thread(question_parts=[(turn.index, turn.text)])]
    intro, items = parts
    return [
        _Thread(question_parts=[(turn.index, item)], context=intro, context_index=turn.index)
        for item in items
    ]


def _numbered_questions(text: str) -> tuple[str, list[str]] | None:
    """Split "1) … 2) …" into items when at least two of them ask something."""
    markers = list(_NUMBERED_RE.finditer(text))
    numbers = [int(marker.group(1)) for marker in markers]
    if len(markers) < 2 or numbers != list(range(1, len(markers) + 1)):
        return None
    items = [
        text[marker.end() : (markers[i + 1].start() if i + 1 < len(markers) else len(text))]
        for i, marker in enumerate(markers)
    ]
    asking = [item for item in items if "?" in item or _INTERROGATIVE_RE.match(item.strip())]
    if len(asking) < 2:
        return None
    return text[: markers[0].start()], [item.strip() for item in items]


def _split_new_question(text: str, group: list[_Thread]) -> tuple[str, str]:
    """Split a later customer turn into (follow-up on the current thread, new question)."""
    marker = _NEW_QUESTION_RE.search(text)
    if marker and is_question_or_problem(text[marker.start() :]):
        return text[: marker.start()], text[marker.start() :]
    if _numbered_questions(text) is not None:
        return "", text
    if "?" not in text or _CONTINUATION_RE.search(text) or not is_question_or_problem(text):
        return text, ""
    words = _content_words(text)
    known: set[str] = set()
    for thread in group:
        known |= _content_words(" ".join(part for _, part in thread.question_parts))
        known |= _content_words(" ".join(answer for _, answer in thread.answers))
    if len(words) >= 5 and len(words & known) < 0.25 * len(words):
        return "", text
    return text, ""


def _route_answer(group: list[_Thread], turn: Turn, followup: str) -> None:
    if len(group) == 1:
        group[0].answers.append((turn.index, turn.text))
        return
    markers = list(_NUMBERED_RE.finditer(turn.text))
    if [int(marker.group(1)) for marker in markers] == list(range(1, len(group) + 1)):
        intro = turn.text[: markers[0].start()]
        for i, marker in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(turn.text)
            group[i].answers.append((turn.index, intro + turn.text[marker.end() : end]))
        return
    # No numbering to go by: give each paragraph to the question it shares most words with.
    questions = [
        _content_words(thread.context + " " + " ".join(part for _, part in thread.question_parts))
        for thread in group
    ]
    chosen = len(group) - 1
    for paragraph in re.split(r"\n\s*\n", turn.text):
        words = _content_words(paragraph + " " + followup)
        scores = [len(words & question) for question in questions]
        if max(scores) > 0 and scores.count(max(scores)) == 1:
            chosen = scores.index(max(scores))
        group[chosen].answers.append((turn.index, paragraph))


# Building one candidate.


def _candidate(
    thread: _Thread, subject: str, names: tuple[str, ...], *, own_subject: bool = True
) -> Candidate | None:
    if not thread.answers:
        return None
    answer, answer_indexes = _answer(thread.answers, names)
    if len(answer) < MIN_ANSWER_CHARS or not _has_substance(answer):
        return None
    question, question_indexes = _question(thread, subject, names, own_subject=own_subject)
    if len(_content_words(question)) < 2:
        return None
    tags = tuple(
        dict.fromkeys(
            code for _, part in thread.question_parts for code in _ERROR_CODE_RE.findall(part)
        )
    )
    indexes = tuple(sorted(set(question_indexes) | set(answer_indexes)))
    return Candidate(question=question, answer=answer, source_indexes=indexes, tags=tags)
