"""The proactive pipeline: decide whether to speak about a customer message, and what to say.

Each step is a small function over the run's state; any step may end the run with a recorded
reason by raising ``Silent``. Every run is stored, spoken or silent, with its scores, the
entries it considered, its engine, calls, tokens and latency.
"""

import re
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from copilot import answerability, delivery, excerpt, exploration, gate, llm, llm_engine
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.status import compose_status_update
from knowledge import selectors as knowledge
from knowledge.extraction import is_non_answer
from knowledge.models import KnowledgeEntry
from knowledge.redaction import PLACEHOLDER_RE, redact
from tickets.models import Message, Ticket

Kind = CopilotRun.Kind
GREETING_RE = re.compile(
    r"^\s*(hi|hello|hey|dear [\w ]+|good (morning|afternoon|evening))\b[,!.]*", re.IGNORECASE
)
MIN_QUERY_WORDS = 4


class Silent(Exception):
    """Ends a run without speaking; the message is the recorded reason."""


@dataclass
class RunState:
    message: Message
    ticket: Ticket
    settings: TeamCopilotSettings
    gate_probability: float | None = None
    kind: str = Kind.ANSWER
    query: str = ""
    hits: list[knowledge.Hit] = field(default_factory=list)
    score: float | None = None
    text: str = ""
    label: str = ""
    why: str = ""
    cited: list[int] = field(default_factory=list)
    chosen: list[KnowledgeEntry] = field(default_factory=list)
    engine: str = "local"
    explored: bool = False
    model: str = ""
    llm_calls: int = 0
    tokens: int = 0

    def count_call(self, completion: llm.Completion) -> None:
        self.llm_calls += 1
        self.tokens += completion.prompt_tokens + completion.completion_tokens
        self.model = completion.model

    @property
    def streams(self) -> bool:
        """An LLM answer is written while the analyst watches; everything else is whole."""
        return self.engine == "llm" and self.kind == Kind.ANSWER


def settings_for(ticket: Ticket) -> TeamCopilotSettings:
    """The team's settings, or the defaults; read with the ticket when it selected them."""
    try:
        return ticket.team.copilot_settings
    except TeamCopilotSettings.DoesNotExist:
        return TeamCopilotSettings(team=ticket.team)


def check_still_current(state: RunState) -> None:
    # One query for both reasons: this runs before every decision.
    later = set(
        state.ticket.messages.filter(created_at__gt=state.message.created_at)
        .filter(Q(kind=Message.Kind.CUSTOMER) | Q(kind=Message.Kind.ANALYST, internal=False))
        .values_list("kind", flat=True)
        .distinct()
    )
    if Message.Kind.CUSTOMER in later:
        raise Silent("superseded by a newer customer message")
    if Message.Kind.ANALYST in later:
        raise Silent("an analyst replied meanwhile")


def step_gate(state: RunState) -> None:
    if state.settings.mode == TeamCopilotSettings.Mode.OFF:
        raise Silent("copilot is off for this team")
    result = gate.classify(state.message.body)
    state.gate_probability = result.probability
    if result.status_request:
        state.kind = Kind.STATUS_UPDATE
        return
    if result.probability < gate.CUTOFF:
        raise Silent(result.reason)


def step_rewrite(state: RunState) -> None:
    """A self-contained query: greetings and identifiers out, the subject in when it is short."""
    if state.kind != Kind.ANSWER:
        return
    names = [state.ticket.customer.name]
    text = PLACEHOLDER_RE.sub(" ", redact(state.message.body, names=names))
    text = GREETING_RE.sub("", text).strip()
    if len(text.split()) < MIN_QUERY_WORDS:
        text = f"{state.ticket.subject}. {text}".strip()
    state.query = " ".join(text.split())[:1000]


def step_retrieve(state: RunState) -> None:
    if state.kind != Kind.ANSWER:
        return
    hits = knowledge.knowledge_search(state.query, team=state.ticket.team, limit=5)
    if not hits:
        raise Silent("no approved knowledge for this team")
    # An entry that only says "I don't know" is no answer, however well it matches.
    state.hits = [hit for hit in hits if not is_non_answer(hit.entry.answer)]
    if not state.hits:
        raise Silent("the matching knowledge holds no answer")


def step_answerability(state: RunState) -> None:
    if state.kind != Kind.ANSWER:
        return
    best = state.hits[0]
    if state.engine == "llm":
        if best.score < answerability.RELEVANT_FROM:
            raise Silent(
                f"no knowledge close to the question "
                f"({best.score:.2f} < {answerability.RELEVANT_FROM})"
            )
        llm_engine.assess(state, Silent)
        return
    state.score = answerability.local_score(best.score, state.gate_probability)
    if state.score < state.settings.threshold and not exploration.explore(state):
        raise Silent(
            f"no knowledge above threshold ({state.score:.2f} < {state.settings.threshold})"
        )


def step_dedup(state: RunState) -> None:
    previous = Suggestion.objects.filter(ticket=state.ticket).exclude(
        state__in=[Suggestion.State.DISMISSED, Suggestion.State.SUPERSEDED]
    )
    if state.kind == Kind.STATUS_UPDATE:
        recent = previous.filter(kind=Kind.STATUS_UPDATE, state=Suggestion.State.SHOWN)
        if recent.exists():
            raise Silent("a status update is already waiting in the panel")
        return
    best = state.chosen[0] if state.chosen else state.hits[0].entry
    if previous.filter(citations=best).exists():
        raise Silent("already answered with this entry in this ticket")


def step_compose(state: RunState) -> None:
    if state.kind == Kind.STATUS_UPDATE:
        state.text = compose_status_update(state.ticket)
        state.label = "Status update"
        state.why = "the customer asked for news; composed from this ticket's timeline"
        return
    if state.streams:
        numbers = ", ".join(f"#{e.pk}" for e in state.chosen)
        state.label = "Answer"
        state.why = f"the model judged {numbers} a definite answer (confidence {state.score:.2f})"
        return  # written in run(), streamed to the panel
    best = state.hits[0]
    passage = excerpt.best_passage(state.query, best.entry.answer)
    state.text = passage or best.entry.answer
    state.label = "Knowledge match (excerpt)" if passage else "Knowledge match"
    state.cited = [best.entry.pk]
    state.why = (
        f"matches #{best.entry.pk} (closeness {best.score:.2f}, a question people answer "
        f"{state.gate_probability or 0:.0%} of the time): {'; '.join(best.reasons)}"
    )


STEPS = (
    step_gate,
    step_rewrite,
    step_retrieve,
    step_answerability,
    step_dedup,
    step_compose,
    exploration.step_label,
)


def run(message: Message) -> CopilotRun:
    """Decide on ``message`` and record the run; a spoken run gets a suggestion."""
    started = time.perf_counter()
    ticket = Ticket.objects.select_related("team__copilot_settings", "customer").get(
        pk=message.ticket_id
    )
    state = RunState(message=message, ticket=ticket, settings=settings_for(ticket))
    state.engine = "llm" if llm_engine.enabled() else "local"
    decision, reason, error = CopilotRun.Decision.SPEAK, "", ""
    try:
        check_still_current(state)
        for step in STEPS:
            step(state)
        reason = state.why
    except Silent as silent:
        decision, reason = CopilotRun.Decision.SILENT, str(silent)
    except Exception as exc:  # the copilot degrades; the console never does
        decision, reason, error = CopilotRun.Decision.SILENT, "copilot error", repr(exc)[:2000]
    with transaction.atomic():
        record = CopilotRun.objects.create(
            ticket=ticket,
            message=message,
            decision=decision,
            reason=reason[:200],
            kind=state.kind if decision == CopilotRun.Decision.SPEAK else "",
            engine=state.engine,
            gate_probability=state.gate_probability,
            score=state.score,
            threshold=state.settings.threshold,
            query=state.query,
            model=state.model,
            llm_calls=state.llm_calls,
            tokens=state.tokens,
            error=error,
            latency_ms=(time.perf_counter() - started) * 1000,
            explored=state.explored and decision == CopilotRun.Decision.SPEAK,
        )
        record.considered.set([hit.entry.pk for hit in state.hits])
        if decision == CopilotRun.Decision.SPEAK:
            suggestion = delivery.deliver(record, state)
    if decision == CopilotRun.Decision.SPEAK and state.streams:
        delivery.write_streamed(record, suggestion, state, started)
    return record
