"""Recorded conversations driven through the live pipeline and learning code.

Each conversation becomes a ticket, message by message. At every customer message the copilot
decides exactly as it would live, seeing only what came before it; the conversation's later
messages do not exist yet. Learning from a resolved conversation happens when it ends, so what
it teaches reaches later conversations only.
"""

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from ai import embedding
from copilot import pipeline
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.pipeline import gate, steps
from copilot.signals import suggestion_accepted
from knowledge import learning
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeEntry, TeamKnowledgePolicy
from knowledge.signals import knowledge_approved
from replay import labels
from replay.reading import KIND_OF_ROLE, SUBJECT_WORDS, Conversation, Turn
from tickets import services as ticket_services
from tickets.models import Customer, Message, Team, Ticket
from tickets.signals import message_created, ticket_created, ticket_status_changed

REPLAY_ACCOUNT = "replay"
# Silence reasons that depend on the threshold: below it, these runs would have spoken.
BELOW_THRESHOLD = ("no knowledge above threshold", "not confident enough")
# Where a recording does not link answers to questions, the support side's next messages shown
# beside a suggestion in the report.
SUPPORT_AFTER_SHOWN = 3


@dataclass
class MessageResult:
    conversation: str
    message: int
    decision: str
    reason: str
    score: float | None
    kind: str
    text: str | None
    citations: list[str]
    latency_ms: float
    llm_calls: int
    tokens: int
    question: str = ""
    gate: float | None = None  # the gate's probability
    # Ground truth, when the input links answers to questions (reply_to).
    answerable: bool | None = None
    human_answer: str | None = None
    # Without such links, for a spoken one: what the support side said after this message, for
    # a person to compare with the suggestion (the report's examples); nothing is judged by it.
    support_after: str | None = None
    # Every candidate the local engine scored: citation, probability, features and, once the
    # conversation is over, whether it was right (replay.labels). What fit_copilot learns from.
    candidates: list[dict[str, Any]] = field(default_factory=list)
    # An answer suggestion the agent went on to give (its page, or its words): how long before.
    anticipated: bool | None = None
    minutes_ahead: float | None = None
    # In a conversation where the support side sent links: did the answer hold one they later
    # sent? None elsewhere, and for anything but an answer.
    doc_hit: bool | None = None
    at: dt.datetime | None = None  # when the customer wrote, where the recording says

    @property
    def spoke(self) -> bool:
        return self.decision == CopilotRun.Decision.SPEAK

    @property
    def threshold_bound(self) -> bool:
        """Spoke, or stayed silent only because its score was under the threshold."""
        return self.score is not None and (self.spoke or self.reason.startswith(BELOW_THRESHOLD))

    def row(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "message": self.message,
            "decision": self.decision,
            "reason": self.reason,
            "score": None if self.score is None else round(self.score, 4),
            "kind": self.kind or None,
            "text": self.text,
            "citations": self.citations,
            "latency_ms": round(self.latency_ms, 2),
            "llm_calls": self.llm_calls,
            "tokens": self.tokens,
            "gate": None if self.gate is None else round(self.gate, 4),
            "anticipated": self.anticipated,
            "doc_hit": self.doc_hit,
            "at": self.at.isoformat() if self.at else None,
            "candidates": [
                {key: value for key, value in c.items() if key != "answer"} for c in self.candidates
            ],
        }


@dataclass
class LearnedResult:
    id: str
    conversation: str
    question: str
    answer: str
    source_messages: list[int]
    status: str  # approved, proposed, merged, rejected
    merged_into: str | None = None

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "type": "learned",
            "id": self.id,
            "conversation": self.conversation,
            "question": self.question,
            "answer": self.answer,
            "source_messages": self.source_messages,
            "status": self.status,
        }
        if self.merged_into:
            row["merged_into"] = self.merged_into
        return row


@dataclass
class ConversationResult:
    conversation: Conversation
    messages: list[MessageResult] = field(default_factory=list)
    learned: list[LearnedResult] = field(default_factory=list)
    team: str = ""  # the slug of the team it was replayed in
    links_sent: bool = False  # the support side sent links in it


def answers_to(conversation: Conversation) -> dict[int, list[str]]:
    """Ground truth: customer turn index → the analysts' non-question replies linked to it,
    and what a bot said in answer to those replies (the text a helper's "!name" called up)."""
    roles = {turn.index: turn.role for turn in conversation.turns}
    answering: dict[int, list[int]] = {}  # an analyst's answer → the customer turns it answers
    found: dict[int, list[str]] = {}
    for turn in conversation.turns:
        if turn.role == "bot":
            asked = {c for index in turn.reply_to for c in answering.get(index, [])}
            for index in sorted(asked):
                found[index].append(turn.text)
            continue
        if turn.role != "analyst" or "?" in turn.text:
            continue
        for index in turn.reply_to:
            if roles.get(index) == "customer":
                found.setdefault(index, []).append(turn.text)
                answering.setdefault(turn.index, []).append(index)
    return found


@dataclass(frozen=True)
class TeamSettings:
    """A team's copilot settings and knowledge policy, as field values (empty: the defaults)."""

    copilot: Mapping[str, Any] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)


def team_create(slug: str, name: str, settings_of: TeamSettings) -> Team:
    """A team of the replay's database, with the copilot settings and policy it has live."""
    team = Team.objects.create(slug=slug, name=name)
    TeamCopilotSettings.objects.create(team=team, **settings_of.copilot)
    if settings_of.policy:
        TeamKnowledgePolicy.objects.create(team=team, **settings_of.policy)
    return team


def _label_candidates(replayed: ConversationResult) -> None:
    for result in replayed.messages:
        if result.spoke and result.kind == CopilotRun.Kind.ANSWER and result.text:
            _label_answer(replayed.conversation, result, replayed.links_sent)
        if result.candidates:
            answers = labels.later_answers(replayed.conversation, result.message)
            for candidate in result.candidates:
                candidate["right"] = labels.is_right(candidate["answer"], answers)


def _label_answer(conversation: Conversation, result: MessageResult, links_sent: bool) -> None:
    """Did the spoken answer get ahead of the agent, by how long, and was it their page?"""
    text = result.text or ""
    if links_sent:
        result.doc_hit = labels.page_sent_later(text, conversation, result.message) is not None
    matched = labels.anticipated(text, conversation, result.message)
    result.anticipated = matched is not None
    if matched is not None and matched.at is not None and result.at is not None:
        result.minutes_ahead = max(0.0, (matched.at - result.at).total_seconds() / 60)


def _searched(body: str) -> bool:
    """Whether the gate lets the message through to a search (the only step that embeds it)."""
    result = gate.classify(body)
    return not result.status_request and result.probability >= gate.CUTOFF


def _own_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A settings row's values without its key and team, to copy onto another team."""
    return {name: value for name, value in row.items() if name not in {"id", "team_id"}}


# Every announcement a replayed ticket makes. Nothing outside the replay may act on them.
ANNOUNCEMENTS = (
    ticket_created,
    message_created,
    ticket_status_changed,
    suggestion_accepted,
    knowledge_approved,
)


@contextmanager
def live_receivers_muted() -> Iterator[None]:
    """No receiver hears a replayed ticket: the replay calls the pipeline and learning itself,
    in order, instead of queueing them, and nothing else (webhooks, say) is for a replay."""
    saved = {signal: signal.receivers for signal in ANNOUNCEMENTS}
    for signal in ANNOUNCEMENTS:
        with signal.lock:
            signal.receivers = []
            signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved.items():
            with signal.lock:
                signal.receivers = receivers
                signal.sender_receivers_cache.clear()


@dataclass
class Playing:
    """A conversation being replayed, turn by turn."""

    conversation: Conversation
    result: ConversationResult
    answers: dict[int, list[str]] | None
    ticket: Ticket | None = None
    positions: list[int] = field(default_factory=list)  # ticket message position → turn index
    next_turn: int = 0

    @property
    def upcoming(self) -> Turn | None:
        turns = self.conversation.turns
        return turns[self.next_turn] if self.next_turn < len(turns) else None


class Replayer:
    """Replays conversations one after another, each into its own team (``team`` for lines
    that name none). A team met for the first time is created in the replay's database with
    its live copilot settings and knowledge policy (``settings_of``; a team unknown live takes
    the default team's), so that learning and retrieval stay inside each team exactly as they
    do for live tickets."""

    approval_note = "approved by the replay"

    def __init__(
        self,
        *,
        team: Team,
        learn: bool,
        auto_approve: bool,
        settings_of: Mapping[str, TeamSettings] | None = None,
        account: User | None = None,
    ) -> None:
        self.team = team
        self.teams: dict[str, Team] = {team.slug: team}
        self.settings_of = dict(settings_of or {})
        self.learn = learn
        self.auto_approve = auto_approve
        # Who resolves and curates: an inactive account of its own unless one is given.
        self.account = (
            account
            or User.objects.get_or_create(
                username=REPLAY_ACCOUNT, defaults={"first_name": "Replay", "is_active": False}
            )[0]
        )
        self.learned_ids: dict[int, str] = {}  # entry pk → "learned:<n>"
        self.learned_count = 0
        self.customers = 0
        self.max_chars = settings.VIGIL_MAX_MESSAGE_CHARS
        self.links_seen: set[frozenset[str]] = set()  # of answers planned (prefetch)

    def citation_id(self, entry: KnowledgeEntry) -> str:
        return self.learned_ids.get(entry.pk) or entry.external_id or f"entry:{entry.pk}"

    def replay(self, conversation: Conversation) -> ConversationResult:
        playing = self.begin(conversation)
        while playing.upcoming is not None:
            self.play_turn(playing)
        return self.end(playing)

    def begin(self, conversation: Conversation) -> Playing:
        """A conversation about to be replayed; ``play_turn`` then ``end`` replay it. Apart
        from ``replay``, a caller may interleave the turns of several conversations."""
        result = ConversationResult(
            conversation,
            team=self.team_for(conversation.team).slug,
            links_sent=bool(labels.support_links(conversation)),
        )
        answers = answers_to(conversation) if conversation.has_answer_links else None
        return Playing(conversation, result, answers)

    def play_turn(self, playing: Playing) -> None:
        """Write the next turn; at a customer message the copilot decides."""
        conversation, turn = playing.conversation, playing.upcoming
        if turn is None:
            return
        playing.next_turn += 1
        if playing.ticket is None and turn.role != "customer":
            return  # a ticket starts with its customer; earlier staff lines are not in it
        body = turn.text[: self.max_chars]
        if playing.ticket is None:
            playing.ticket = self._open(conversation, turn, body)
            message = playing.ticket.messages.get()
        else:
            message = self._write(playing.ticket, turn, body)
        playing.positions.append(turn.index)
        if turn.role == "customer":
            run = pipeline.run(message, fresh=True)
            playing.result.messages.append(self._result(conversation, turn, run, playing.answers))

    def end(self, playing: Playing) -> ConversationResult:
        """The conversation is over: label its candidates, resolve and learn when it was."""
        result, ticket = playing.result, playing.ticket
        _label_candidates(result)
        if ticket is not None and playing.conversation.resolved:
            self._resolve(ticket)
            if self.learn:
                result.learned = self._learn(playing.conversation, ticket, playing.positions)
        return result

    def _write(self, ticket: Ticket, turn: Turn, body: str) -> Message:
        message, _ = ticket_services.message_create(
            ticket=ticket,
            kind=KIND_OF_ROLE[turn.role],
            body=body,
            author_name=turn.author if turn.role != "customer" else ticket.customer.name,
        )
        return message

    def _resolve(self, ticket: Ticket) -> None:
        ticket_services.ticket_change_status(
            ticket=ticket, actor=self.account, status=Ticket.Status.RESOLVED
        )

    def prefetch(self, conversations: Sequence[Conversation]) -> None:
        """Embed in one model call what replaying ``conversations`` will embed, as far as it
        is known before they are replayed (``to_embed``). Use it inside
        ``embedding.reusing()``. No decision changes: a text's vector is the same whichever
        call made it; a text it missed is embedded when asked for, as before."""
        embedding.prefetch(self.to_embed(conversations))

    def to_embed(self, conversations: Sequence[Conversation]) -> list[str]:
        """What replaying ``conversations`` will embed, as far as it is known before: the
        query of each customer message the gate will let through, and what learning from each
        resolved one will embed. Planned in order (learning's plan remembers the links of the
        answers planned before), for ``prefetch`` or ``embedding.ahead``."""
        texts: list[str] = []
        for conversation in conversations:
            ticket, messages = self._planned(conversation)
            for message in messages:
                if message.kind == Message.Kind.CUSTOMER and _searched(message.body):
                    texts.append(
                        steps.query_for(
                            message.body, customer=ticket.customer.name, subject=ticket.subject
                        )
                    )
            if self.learn and conversation.resolved and messages:
                texts += learning.texts_to_embed(
                    ticket, messages, links_seen=self.links_seen, answers=self.auto_approve
                )
        return texts

    def _planned(self, conversation: Conversation) -> tuple[Ticket, list[Message]]:
        """The ticket and messages ``replay`` will write for ``conversation``, unsaved."""
        first = next((turn for turn in conversation.turns if turn.role == "customer"), None)
        if first is None:
            return Ticket(), []  # nothing is replayed
        turns = [turn for turn in conversation.turns if turn.index >= first.index]
        customer = Customer(name=first.author[:120].strip()[:120])
        subject = conversation.subject or " ".join(first.text.split()[:SUBJECT_WORDS])
        # The team as ``team_for`` will give it, not created here: learning reads its name.
        slug = conversation.team
        team = (self.teams.get(slug) or Team(slug=slug, name=slug)) if slug else self.team
        ticket = Ticket(subject=subject[:200].strip()[:200], customer=customer, team=team)
        messages = [
            Message(
                kind=KIND_OF_ROLE[turn.role],
                body=turn.text[: self.max_chars].strip(),
                author_name=customer.name if turn.role == "customer" else turn.author,
            )
            for turn in turns
        ]
        return ticket, messages

    def _open(self, conversation: Conversation, turn: Turn, body: str) -> Ticket:
        self.customers += 1
        customer = ticket_services.customer_get_or_create(
            name=turn.author[:120], email=f"customer-{self.customers}@replay.invalid"
        )
        subject = conversation.subject or " ".join(turn.text.split()[:SUBJECT_WORDS])
        return ticket_services.ticket_create(
            team=self.team_for(conversation.team),
            customer=customer,
            subject=subject[:200],
            body=body,
        )

    def team_for(self, slug: str) -> Team:
        if not slug:
            return self.team
        if slug not in self.teams:
            found = Team.objects.filter(slug=slug).first()
            self.teams[slug] = found or team_create(slug, slug, self._settings(slug))
        return self.teams[slug]

    def _settings(self, slug: str) -> TeamSettings:
        if slug in self.settings_of:
            return self.settings_of[slug]
        copilot: Mapping[str, Any] = (
            TeamCopilotSettings.objects.filter(team=self.team).values().first() or {}
        )
        policy: Mapping[str, Any] = (
            TeamKnowledgePolicy.objects.filter(team=self.team).values().first() or {}
        )
        return TeamSettings(_own_fields(copilot), _own_fields(policy))

    def _result(
        self,
        conversation: Conversation,
        turn: Turn,
        run: CopilotRun,
        answers: dict[int, list[str]] | None,
    ) -> MessageResult:
        suggestion = (
            Suggestion.objects.filter(run=run).prefetch_related("citations").first()
            if run.decision == CopilotRun.Decision.SPEAK
            else None
        )
        human = answers.get(turn.index) if answers is not None else None
        # What support said next, for the report's examples: spoken runs only.
        shown = answers is None and run.decision == CopilotRun.Decision.SPEAK
        after = labels.later_answers(conversation, turn.index) if shown else []
        return MessageResult(
            conversation=conversation.id,
            message=turn.index,
            decision=run.decision,
            reason=run.reason,
            score=run.score,
            kind=run.kind,
            text=suggestion.text if suggestion else None,
            citations=[self.citation_id(e) for e in suggestion.citations.all()]
            if suggestion
            else [],
            latency_ms=run.latency_ms,
            llm_calls=run.llm_calls,
            tokens=run.tokens,
            question=turn.text,
            at=turn.at,
            gate=run.gate_probability,
            answerable=None if answers is None else human is not None,
            human_answer="\n".join(human) if human else None,
            support_after="\n\n".join(after[:SUPPORT_AFTER_SHOWN]) if after else None,
            candidates=[
                {
                    "citation": self.citation_id(entry),
                    "probability": round(probability, 4),
                    "features": {name: round(value, 4) for name, value in features.items()},
                    "answer": entry.answer,
                }
                for entry, probability, features in getattr(run, "scored", [])
            ],
        )

    def _learn(
        self, conversation: Conversation, ticket: Ticket, positions: list[int]
    ) -> list[LearnedResult]:
        results = []
        for learned in learning.learn_from_ticket(ticket):
            if learned.action == "skipped" or learned.candidate is None:
                continue
            self.learned_count += 1
            ident = f"learned:{self.learned_count}"
            status, merged_into = self._curate(learned, ident)
            candidate = learned.candidate
            results.append(
                LearnedResult(
                    id=ident,
                    conversation=conversation.id,
                    question=candidate.question,
                    answer=candidate.answer,
                    source_messages=[
                        positions[i] for i in candidate.source_indexes if 0 <= i < len(positions)
                    ],
                    status=status,
                    merged_into=merged_into,
                )
            )
        return results

    def _curate(self, learned: learning.Learned, ident: str) -> tuple[str, str | None]:
        """What a curator would do at once with --auto-approve; otherwise it waits, proposed."""
        entry = learned.entry
        if learned.action == "evidence":
            return "merged", self.citation_id(entry)
        self.learned_ids[entry.pk] = ident
        if entry.status == KnowledgeEntry.Status.APPROVED:
            return "approved", None  # the team's own policy approved it
        if not self.auto_approve:
            return "proposed", None
        related = entry.related_entry
        if related is None:
            knowledge_services.entry_approve(
                entry=entry, actor=self.account, note=self.approval_note
            )
            return "approved", None
        if entry.relation == KnowledgeEntry.Relation.DUPLICATE:
            knowledge_services.entry_merge(entry=entry, into=related, actor=self.account)
            return "merged", self.citation_id(related)
        knowledge_services.entry_reject(
            entry=entry,
            actor=self.account,
            reason=f"contradicts {self.citation_id(related)}; the existing entry is kept",
        )
        return "rejected", None
