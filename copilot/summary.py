"""On-demand help for the analyst: a summary of the ticket, and a draft status update."""

import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince
from pydantic import BaseModel

from ai import llm
from ai.fencing import fence
from copilot import services
from copilot.models import CopilotRun, Suggestion
from copilot.pipeline.status import compose_status_update
from copilot.pipeline.steps import GREETING_RE
from copilot.prompts import PROMPTS_DIR
from knowledge.extraction import is_pleasantry
from tickets.models import Message, Ticket

MAX_TRIED = 4
# "Jonas, …" after a greeting: who the reply is to.
ADDRESSEE_RE = re.compile(r"^[A-Z][\w'-]*,\s+")
# "I'm on it", "We're looking into it": an analyst saying they are working, not what they did.
ON_IT_RE = re.compile(
    r"^(?:i'?m|i am|we'?re|we are)\s+(?:on it|looking into (?:it|this)|checking)\b[\s.!]*$",
    re.IGNORECASE,
)


class ModelSummary(BaseModel):
    """The model's answer to the summary prompt."""

    problem: str
    tried: list[Any]


@dataclass(frozen=True)
class Summary:
    problem: str
    tried: list[str]
    state: str
    engine: str


def _first_sentence(text: str, limit: int = 160) -> str:
    head = text.strip().split("\n")[0]
    for stop in (". ", "? ", "! "):
        if stop in head:
            head = head.split(stop)[0] + stop.strip()
            break
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _what_was_done(text: str) -> str:
    """The first sentence of a reply that says something; "Hi Jonas, I'm on it." says nothing."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text.strip()):
        sentence = ADDRESSEE_RE.sub("", GREETING_RE.sub("", sentence).strip(" ,"))
        if sentence and not is_pleasantry(sentence) and not ON_IT_RE.match(sentence):
            return _first_sentence(sentence)
    return ""


def summarise(ticket: Ticket) -> Summary:
    """Problem, what was tried, current state. The LLM writes it when one is configured."""
    messages = list(ticket.messages.filter(internal=False).order_by("created_at", "id"))
    state = _state(ticket, messages)
    if llm.llm_configured("summary"):
        try:
            return _summarise_with_llm(ticket, messages, state)
        except llm.LLMError:
            pass  # the local summary below is still useful
    customer = [m for m in messages if m.kind == Message.Kind.CUSTOMER]
    problem = (
        f"{ticket.subject}: {_first_sentence(customer[0].body)}" if customer else ticket.subject
    )
    tried = [
        step
        for m in messages
        if m.kind in {Message.Kind.ANALYST, Message.Kind.COPILOT}
        and (step := _what_was_done(m.body))
    ][-MAX_TRIED:]
    return Summary(problem=problem, tried=tried, state=state, engine="local")


def _state(ticket: Ticket, messages: list[Message]) -> str:
    now = timezone.now()
    text = f"{ticket.get_status_display()}"
    if messages:
        last = messages[-1]
        who = "the customer" if last.kind == Message.Kind.CUSTOMER else last.author_name
        text += f"; last message from {who}, {timesince(last.created_at, now)} ago"
        if last.kind == Message.Kind.CUSTOMER:
            text += " (waiting for us)"
    return text


def _summarise_with_llm(ticket: Ticket, messages: list[Message], state: str) -> Summary:
    turns = [
        {
            "role": "customer" if m.kind == Message.Kind.CUSTOMER else "support",
            "text": fence(m.body),
        }
        for m in messages[-20:]
    ]
    prompt = llm.render_prompt(
        PROMPTS_DIR, "ticket_summary.txt", subject=fence(ticket.subject), turns=turns
    )
    result = llm.complete_json(
        purpose="summary", messages=[{"role": "user", "content": prompt}], schema=ModelSummary
    )
    tried = [str(t) for t in result.data.tried if str(t).strip()][:MAX_TRIED]
    return Summary(problem=result.data.problem, tried=tried, state=state, engine="llm")


def draft_status_update(ticket: Ticket, *, reason: str) -> Suggestion | None:
    """A status update in the panel, composed from the timeline; None if one is waiting."""
    waiting = Suggestion.objects.filter(
        ticket=ticket,
        kind=CopilotRun.Kind.STATUS_UPDATE,
        state__in=[Suggestion.State.SHOWN, Suggestion.State.INSERTED],
    )
    last_customer = (
        ticket.messages.filter(kind=Message.Kind.CUSTOMER).order_by("-created_at").first()
    )
    if waiting.exists() or last_customer is None:
        return None
    return services.status_update_draft_create(
        ticket=ticket, message=last_customer, text=compose_status_update(ticket), why=reason
    )
