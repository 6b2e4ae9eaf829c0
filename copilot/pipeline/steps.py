"""The steps of a run, each a small function over its state; any may raise ``Silent``."""

import re
from dataclasses import replace

from django.db.models import Q

from ai import embedding
from copilot import fitted
from copilot.models import Suggestion, TeamCopilotSettings
from copilot.pipeline import answerability, excerpt, exploration, gate, llm_steps
from copilot.pipeline.state import Kind, RunState, Silent
from copilot.pipeline.status import compose_status_update
from knowledge import selectors as knowledge
from knowledge.extraction import is_non_answer
from knowledge.redaction import PLACEHOLDER_RE, redact
from tickets import macro_services
from tickets.models import Message

GREETING_RE = re.compile(
    r"^\s*(hi|hello|hey|dear [\w ]+|good (morning|afternoon|evening))\b[,!.]*", re.IGNORECASE
)
MIN_QUERY_WORDS = 4
# The answer classifier reads the customer's last few messages: a follow-up ("it's on PS4")
# means something only beside the question before it.
CONTEXT_MESSAGES = 3


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
    state.query = query_for(
        state.message.body, customer=state.ticket.customer.name, subject=state.ticket.subject
    )


def query_for(body: str, *, customer: str, subject: str) -> str:
    """The search query of a customer's message (``step_rewrite``); a replay embeds the
    queries of many messages ahead with it."""
    text = GREETING_RE.sub("", _redacted(body, customer)).strip()
    if len(text.split()) < MIN_QUERY_WORDS:
        text = f"{subject}. {text}".strip()
    return " ".join(text.split())[:1000]


def customer_context(state: RunState) -> str:
    """The customer's words so far, this message last: its last few messages, redacted."""
    earlier = (
        state.ticket.messages.filter(
            kind=Message.Kind.CUSTOMER, created_at__lt=state.message.created_at
        )
        .order_by("-created_at")
        .values_list("body", flat=True)[: CONTEXT_MESSAGES - 1]
    )
    customer = state.ticket.customer.name
    bodies = [*reversed(earlier), state.message.body]
    text = " ".join(_redacted(body, customer) for body in bodies)
    return " ".join(text.split())[-2000:]


def _redacted(body: str, customer: str) -> str:
    """A customer's message with personal data out and no placeholder left in its place."""
    return PLACEHOLDER_RE.sub(" ", redact(body, names=[customer]))


def step_retrieve(state: RunState) -> None:
    if state.kind != Kind.ANSWER:
        return
    [vector] = embedding.embed([state.query])
    retrieval = knowledge.answer_candidates(
        state.query,
        team=state.ticket.team,
        query_vector=vector,
        limit=5,
        context=customer_context(state),
    )
    if not retrieval.candidates:
        raise Silent("no approved knowledge for this team")
    # An entry that only says "I don't know" is no answer, however well it matches.
    candidates = [c for c in retrieval.candidates if not is_non_answer(c.entry.answer)]
    if not candidates:
        raise Silent("the matching knowledge holds no answer")
    state.retrieval = replace(retrieval, candidates=candidates)
    by_closeness = sorted(candidates, key=lambda c: (-c.closeness, c.entry.pk))
    state.hits = [
        knowledge.Hit(
            entry=c.entry,
            score=c.closeness,
            similarity=c.similarity,
            text_rank=c.text_rank,
            reasons=c.reasons,
        )
        for c in by_closeness
    ]


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
        llm_steps.assess(state)
        return
    score_candidates(state)
    assert state.score is not None  # noqa: S101  (score_candidates sets it)
    if state.score < state.settings.threshold and not exploration.explore(state):
        raise Silent(
            f"no knowledge above threshold ({state.score:.2f} < {state.settings.threshold})"
        )


def score_candidates(state: RunState) -> None:
    """Every candidate's probability of being right; the best one leads ``state.hits``."""
    assert state.retrieval is not None  # noqa: S101  (step_retrieve ran)
    model = fitted.model_for(state.ticket.team, answerability.PURPOSE)
    # A query per run, only paid when the model weighs how far into the ticket we are.
    position = (
        state.ticket.messages.filter(
            kind=Message.Kind.CUSTOMER, created_at__lt=state.message.created_at
        ).count()
        if "position" in model.features
        else 0
    )
    scored = []
    for candidate in state.retrieval.candidates:
        values = answerability.features(
            candidate,
            state.retrieval,
            query=state.query,
            gate_probability=state.gate_probability,
            position=position,
        )
        scored.append((candidate, model.probability(values), values))
    state.scored = answerability.ranked(scored)
    best, _, values = state.scored[0]
    state.score = answerability.answer_probability(state.scored)
    state.features = answerability.rounded(values)
    state.model_version = model.version
    state.hits.sort(key=lambda hit: hit.entry.pk != best.entry.pk)


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
    if best.entry.macro_id is not None:
        # A team's agreed reply: offered whole, its placeholders filled for this ticket.
        state.text = macro_services.macro_text_fill(body=best.entry.answer, ticket=state.ticket)
        state.label = f"Macro: {best.entry.question}"[:60]
    else:
        passage = excerpt.best_passage(state.query, best.entry.answer)
        state.text = passage or best.entry.answer
        state.label = "Knowledge match (excerpt)" if passage else "Knowledge match"
    state.cited = [best.entry.pk]
    state.why = (
        f"#{best.entry.pk}, {state.score or 0:.0%} likely right by the fitted model "
        f"(closeness {best.score:.2f}): {'; '.join(best.reasons)}"
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
