"""The LLM engine: one structured call to assess, one streamed call to compose.

The prompts hold only this ticket's public conversation (customer text fenced as untrusted)
and approved, in-scope entries the retrieval step returned. Whatever the model answers is
checked: it can only choose among those entries, and only cite them.
"""

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ai import llm
from ai.fencing import fence
from copilot.pipeline import exploration
from copilot.pipeline.state import RunState, Silent
from copilot.prompts import PROMPTS_DIR
from knowledge.models import KnowledgeEntry
from tickets import macro_services
from tickets.models import Message, Ticket

PURPOSE = "copilot"
MAX_ENTRIES = 4
MAX_TURNS = 8
CITATION_RE = re.compile(r"\[(\d{1,2})\]")


class Assessment(BaseModel):
    """The model's judgement of one customer message against the retrieved entries."""

    in_scope: bool
    answerable: bool
    confidence: float
    # Entry numbers as the prompt listed them; anything else in the list is ignored below.
    entries: list[Any]
    question: str | None = None


def enabled() -> bool:
    return llm.llm_configured(PURPOSE)


def _conversation(state: RunState) -> list[dict[str, str]]:
    public = state.ticket.messages.filter(
        internal=False, created_at__lte=state.message.created_at
    ).order_by("-created_at", "-id")[:MAX_TURNS]
    turns = []
    for message in reversed(list(public)):
        role = "customer" if message.kind == Message.Kind.CUSTOMER else "support"
        turns.append({"role": role, "text": fence(message.body)})
    return turns


def _numbered(entries: list[KnowledgeEntry], ticket: Ticket) -> list[dict[str, Any]]:
    return [
        {"number": n, "question": e.question, "answer": _answer(e, ticket)}
        for n, e in enumerate(entries, start=1)
    ]


def _answer(entry: KnowledgeEntry, ticket: Ticket) -> str:
    """The entry's answer; a team macro's filled for the ticket, as the local engine offers it,
    except the customer's private portal link, which the LLM provider is not given."""
    if entry.macro_id is None:
        return entry.answer
    return macro_services.macro_text_fill(body=entry.answer, ticket=ticket, with_portal_link=False)


def assess(state: RunState) -> None:
    """Scope, a rewritten question and answerability over the retrieved entries, in one call."""
    entries = [hit.entry for hit in state.hits[:MAX_ENTRIES]]
    prompt = llm.render_prompt(
        PROMPTS_DIR,
        "copilot_assess.txt",
        subject=fence(state.ticket.subject),
        conversation=_conversation(state),
        entries=_numbered(entries, state.ticket),
    )
    result = llm.complete_json(
        purpose=PURPOSE, messages=[{"role": "user", "content": prompt}], schema=Assessment
    )
    state.count_call(result.completion)
    data = result.data
    if not data.in_scope:
        raise Silent("out of scope for support")
    confidence = min(max(data.confidence, 0.0), 1.0)
    state.score = confidence
    chosen = [
        entries[n - 1]
        for n in data.entries
        if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= len(entries)
    ]
    if not data.answerable or not chosen:
        raise Silent("the knowledge does not answer this question")
    if confidence < state.settings.threshold and not exploration.explore(state):
        raise Silent(f"not confident enough ({confidence:.2f} < {state.settings.threshold})")
    question = (data.question or "").strip()
    state.query = question[:1000] or state.query
    state.chosen = chosen


def compose(state: RunState, on_piece: Callable[[str], bool]) -> str:
    """Stream a cited answer; ``on_piece`` gets each piece and returns False to stop early."""
    prompt = llm.render_prompt(
        PROMPTS_DIR,
        "copilot_compose.txt",
        question=fence(state.query),
        entries=_numbered(state.chosen, state.ticket),
    )
    stream = llm.stream(purpose=PURPOSE, messages=[{"role": "user", "content": prompt}])
    pieces = []
    for piece in stream:
        pieces.append(piece)
        if not on_piece(piece):
            break
    if stream.completion is not None:
        state.count_call(stream.completion)
    else:
        state.llm_calls += 1
    text = "".join(pieces).strip()
    used = {int(n) for n in CITATION_RE.findall(text)}
    state.cited = [e.pk for n, e in enumerate(state.chosen, start=1) if n in used] or [
        e.pk for e in state.chosen
    ]
    return text
