"""Reading recorded conversations in the replay format, one JSON object per line.

A line that cannot be replayed is reported by number with what is wrong, and skipped; the
rest of the file carries on.
"""

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.utils.text import slugify

from core import untrusted_json
from tickets.models import Message

ROLES = ("customer", "analyst", "bot")
# What each role's lines become in a ticket, replayed or imported.
KIND_OF_ROLE = {
    "customer": Message.Kind.CUSTOMER,
    "analyst": Message.Kind.ANALYST,
    "bot": Message.Kind.COPILOT,
}
# A conversation without a subject takes its first customer line's first words as one.
SUBJECT_WORDS = 12


@dataclass(frozen=True)
class Turn:
    index: int  # position in the recorded conversation
    role: str
    author: str
    text: str
    reply_to: tuple[int, ...] = ()
    at: dt.datetime | None = None  # when it was written, where the recording says


@dataclass(frozen=True)
class Conversation:
    line: int
    id: str
    subject: str
    turns: tuple[Turn, ...]
    resolved: bool
    team: str = ""  # a team's slug; empty: the replay's default team

    @property
    def has_answer_links(self) -> bool:
        return any(turn.reply_to for turn in self.turns)


class ReplayInputError(Exception):
    """The file cannot be read at all."""


def in_batches(conversations: Iterable[Conversation], size: int) -> Iterator[list[Conversation]]:
    """Consecutive lists of ``size`` conversations (the last may be shorter), read lazily."""
    found = iter(conversations)
    while batch := list(islice(found, size)):
        yield batch


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def teams_named(path: Path) -> set[str]:
    """The team slugs the lines of ``path`` name, read before the replay so that each team's
    live settings can go with it; unreadable lines are left to ``read_conversations``."""
    found: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            try:
                data = untrusted_json.loads(raw)
            except ValueError:  # not JSON, or nested too deeply
                continue
            team = data.get("team") if isinstance(data, dict) else None
            if isinstance(team, str) and team.strip():
                found.add(team.strip())
    return found


def read_conversations(path: Path, warnings: list[str]) -> Iterator[Conversation]:
    """Conversations of ``path`` in order; problems go to ``warnings`` as "line N: ..."."""
    if not path.is_file():
        raise ReplayInputError(f"{path} is not a file.")
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    conversation = parse_line(raw, number)
                except ValueError as exc:
                    warnings.append(f"line {number}: {exc}")
                    continue
                if conversation.id in seen:
                    warnings.append(f"line {number}: conversation {conversation.id!r} repeats")
                    continue
                seen.add(conversation.id)
                yield conversation
    except UnicodeDecodeError as exc:
        raise ReplayInputError(f"{path} is not UTF-8 text ({exc.reason}).") from exc


def parse_line(raw: str, number: int) -> Conversation:
    try:
        data = untrusted_json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    except untrusted_json.TooDeep as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    ident = data.get("id")
    if not isinstance(ident, str | int) or not str(ident).strip():
        raise ValueError('missing "id"')
    team = data.get("team")
    if team is not None and (not isinstance(team, str) or slugify(team) != team.strip()):
        raise ValueError(f'"team" must be a team\'s slug (letters, digits, hyphens), got {team!r}')
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise ValueError('"messages" must be a list')
    turns = tuple(_turn(index, item) for index, item in enumerate(messages))
    spoken = [turn for turn in turns if turn.text]
    if not spoken:
        raise ValueError(f"conversation {ident!r} has no messages")
    if not any(turn.role == "customer" for turn in spoken):
        raise ValueError(f"conversation {ident!r} has no customer message")
    subject = data.get("subject")
    return Conversation(
        line=number,
        id=str(ident).strip(),
        subject=subject.strip() if isinstance(subject, str) else "",
        turns=spoken_turns(turns),
        resolved=bool(data.get("resolved", True)),
        team=(team or "").strip(),
    )


def spoken_turns(turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    return tuple(turn for turn in turns if turn.text)


def _turn(index: int, item: object) -> Turn:
    if not isinstance(item, dict):
        raise ValueError(f"message {index} is not an object")
    role = item.get("role")
    if role not in ROLES:
        raise ValueError(f"message {index} has unknown role {role!r} (expected {', '.join(ROLES)})")
    text = item.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f"message {index} has a text that is not a string")
    links = item.get("reply_to") or []
    if not isinstance(links, list) or not all(isinstance(i, int) for i in links):
        raise ValueError(f"message {index} has a reply_to that is not a list of indexes")
    author = item.get("author")
    return Turn(
        index=index,
        role=role,
        author=author.strip() if isinstance(author, str) and author.strip() else role,
        text=(text or "").strip(),
        reply_to=tuple(i for i in links if 0 <= i < index),
        at=_time(item.get("at")),
    )


def _time(value: object) -> dt.datetime | None:
    """A message's timestamp (ISO 8601); None when missing or unreadable: it is optional."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
