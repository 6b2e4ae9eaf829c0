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
from copilot.prompts import PROMPTS_DIR
from knowledge.extraction import is_pleasantry, strip_greeting
from tickets.models import Message, Ticket

MAX_TRIED = 4
# "Jonas, …": who the reply is to (only the customer's own names are taken off).
ADDRESSEE_RE = re.compile(r"^([A-Z][\w'-]*),\s+")
# "I'm on it", "Sorry for the wait", "Thanks for your patience": an analyst being polite or
# saying they are working, not what they did.
NOTHING_DONE_RE = re.compile(
    r"^(?:(?:i'?m|i am|we'?re|we are)\s+(?:on it|looking into (?:it|this)|checking)"
    r"|(?:(?:so|very|really)\s+)?sorry (?:for|about) (?:the |this |that )?"
    r"(?:wait|delay|trouble|inconvenience|confusion)"
    r"|thanks? (?:you )?(?:so much )?for (?:your |the )?"
    r"(?:patience|waiting|reaching out|details|update|getting back(?: to us)?))\b[\s.!]*$",
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


def _what_was_done(text: str, names: frozenset[str]) -> str:
    """The first sentence of a reply that says something; "Hi Jonas, I'm on it." says nothing,
    nor do greetings, thanks, apologies and sign-offs."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text.strip()):
        sentence = strip_greeting(sentence).strip(" ,")
        addressee = ADDRESSEE_RE.match(sentence)
        if addressee and addressee.group(1).lower() in names:
            sentence = sentence[addressee.end() :]
        if sentence and not is_pleasantry(sentence) and not NOTHING_DONE_RE.match(sentence):
            return _first_sentence(sentence[0].upper() + sentence[1:])
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
    names = frozenset(ticket.customer.name.lower().split())
    tried = [
        step
        for m in messages
        if m.kind in {Message.Kind.ANALYST, Message.Kind.COPILOT}
        and (step := _what_was_done(m.body, names))
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
