"""The demo's past: 60 days of its teams' conversations played through the live services.

The history (``tickets/demo/history.jsonl``, the replay format with a few keys of its own:
``priority``, ``tags``, the customer's ``email`` and ``rating``) is written as if now were
``HISTORY_NOW``; it is moved so that this is the moment of seeding. Its turns, and the
resolutions of the hand-written demo tickets, are played in the order of their times, with
the clock set to each one's time: tickets and messages are dated as recorded, the copilot
decides on each customer message with the local engine as it would have then, analysts take
up or dismiss what it suggested as their recorded reply says (the replay's own judge of a right
answer), each resolution teaches, and a curator reviews what was learned, all but the last
days' proposals. The replay's ``Replayer`` does the playing; this module only says who the
people are and when things happen.
"""

import datetime as dt
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from ai import embedding
from copilot import pipeline
from copilot import services as copilot_services
from copilot.models import CopilotRun, Suggestion
from knowledge import demo_seeding, learning
from replay import labels
from replay.isolation import quiet_side_effects
from replay.reading import Conversation, Turn, read_conversations
from replay.runner import ConversationResult, Playing, Replayer, live_receivers_muted
from tickets import macro_services, notification_services, rating_services, seeding
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.models import Message, Team, Ticket

HISTORY = Path(__file__).resolve().parents[1] / "tickets" / "demo" / "history.jsonl"
HISTORY_NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
TEAM_SLUGS = ("compute", "storage", "billing")
CURATOR = "curator"
# A resolved conversation is marked resolved this long after its last message.
RESOLVED_AFTER = dt.timedelta(minutes=20)
# What was learned this recently still waits in the curation queue.
UNCURATED = dt.timedelta(days=5)


class HistoryError(Exception):
    """The demo history cannot be seeded here; the message says why."""


@dataclass
class Seeded:
    tickets: int = 0  # the demo's hand-written tickets made with the history
    conversations: int = 0
    runs: int = 0
    learned: int = 0


def history_is_seeded() -> bool:
    """Knowledge exists: the history (or the demo's knowledge without it) was seeded."""
    return demo_seeding.knowledge_is_seeded()


class DemoHistory(Replayer):
    """A replayer whose people are the demo's: customers by their address, analysts by their
    accounts, the curator reviewing what was learned."""

    approval_note = "approved in curation"

    def __init__(self, *, extras: dict[str, dict[str, Any]], shift: dt.timedelta) -> None:
        users = {
            ticket_services.display_name(user): user for user in get_user_model().objects.all()
        }
        curator = get_user_model().objects.filter(username=CURATOR).first()
        teams = {team.slug: team for team in Team.objects.filter(slug__in=TEAM_SLUGS)}
        if curator is None or len(teams) < len(TEAM_SLUGS):
            raise HistoryError(
                "This database has tickets but not the demo's teams and accounts: the history "
                "goes only with the demo."
            )
        super().__init__(team=teams["compute"], learn=True, auto_approve=True, account=curator)
        self.teams.update(teams)
        self.staff = users
        self.extras = extras
        self.shift = shift
        self.curated_until = timezone.now()  # set by the caller: the end of curation
        self.playing_id = ""

    def when(self, turn: Turn) -> dt.datetime:
        if turn.at is None:
            raise HistoryError(f"message {turn.index} of the history has no time")
        return turn.at + self.shift

    def _open(self, conversation: Conversation, turn: Turn, body: str) -> Ticket:
        extra = self.extras[conversation.id]
        customer = ticket_services.customer_get_or_create(name=turn.author, email=extra["email"])
        ticket = ticket_services.ticket_create(
            team=self.team_for(conversation.team),
            customer=customer,
            subject=conversation.subject,
            body=body,
            priority=Ticket.Priority[extra.get("priority", "normal").upper()],
            at=self.when(turn),
        )
        if extra.get("tags"):
            ticket.tags = ticket_services.normalise_tags(extra["tags"])
            ticket.save(update_fields=["tags"])
        return ticket

    def _write(self, ticket: Ticket, turn: Turn, body: str) -> Message:
        at = self.when(turn)
        if turn.role == "customer":
            message, _ = ticket_services.message_create(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                body=body,
                author_name=ticket.customer.name,
                at=at,
            )
            return message
        analyst = self.staff[turn.author]
        # The analyst opened the ticket, read the copilot's panel, then wrote.
        ticket_services.ticket_mark_read(ticket=ticket, user=analyst)
        notification_services.notifications_read_for_ticket(user=analyst, ticket=ticket)
        inserted = self._take_up_suggestion(ticket, analyst, body)
        message, _ = ticket_services.message_create(
            ticket=ticket, kind=Message.Kind.ANALYST, body=body, author=analyst, at=at
        )
        if inserted:
            copilot_services.resolve_inserted(message)  # sent as is, or edited
        _sent_with_macros(message, analyst)
        return message

    def _take_up_suggestion(self, ticket: Ticket, analyst: User, reply: str) -> bool:
        """The analyst inserts the suggestion on the ticket when their reply gives its answer
        and dismisses it otherwise; whether it was sent as is or edited is for the copilot's
        own services to judge from what they sent."""
        shown = (
            Suggestion.objects.filter(ticket=ticket, state=Suggestion.State.SHOWN)
            .order_by("-created_at", "-id")
            .first()
        )
        if shown is None:
            return False
        if labels.is_right(shown.text, [reply]):
            copilot_services.suggestion_insert(suggestion=shown, actor=analyst)
            return True
        reason = (
            Suggestion.DismissReason.ALREADY_ANSWERED
            if shown.kind == CopilotRun.Kind.STATUS_UPDATE
            else Suggestion.DismissReason.NOT_RELEVANT
        )
        copilot_services.suggestion_dismiss(suggestion=shown, actor=analyst, reason=reason)
        return False

    def _resolve(self, ticket: Ticket) -> None:
        ticket.refresh_from_db(fields=["assignee"])
        resolver = ticket.assignee or self.account
        ticket_services.ticket_change_status(
            ticket=ticket, actor=resolver, status=Ticket.Status.RESOLVED
        )
        rating = self.extras.get(self.playing_id, {}).get("rating")
        if rating:
            rating_services.rating_save(ticket=ticket, rating=rating[0], comment=rating[1])

    def end(self, playing: Playing) -> ConversationResult:
        self.playing_id = playing.conversation.id  # whose rating _resolve gives
        return super().end(playing)

    def take_step(self, step: seeding.Step) -> None:
        """A step of a hand-written demo ticket, with the copilot on its customer messages
        and the analyst taking up or dismissing what it suggested, as in the history."""
        inserted = False
        if step.kind == "analyst" and step.ticket is not None and step.author is not None:
            inserted = self._take_up_suggestion(step.ticket, step.author, step.body)
        message = step.run()
        if message is None:
            return
        if inserted:
            copilot_services.resolve_inserted(message)
        if message.kind == Message.Kind.ANALYST and step.author is not None:
            _sent_with_macros(message, step.author)
        if message.kind == Message.Kind.CUSTOMER:
            pipeline.run(message)

    def _curate(self, learned: learning.Learned, ident: str) -> tuple[str, str | None]:
        if timezone.now() >= self.curated_until and learned.action != "evidence":
            self.learned_ids[learned.entry.pk] = ident
            return learned.entry.status, None  # not reviewed yet
        return super()._curate(learned, ident)


def _sent_with_macros(message: Message, analyst: User) -> None:
    """An analyst's recorded reply holding the whole text of a macro offered to them on the
    ticket (filled for it) was written with that macro: its use is counted and its changes made,
    as from the reply box."""
    if message.internal:
        return
    ticket = message.ticket
    said = " ".join(message.body.split())
    used = [
        macro
        for macro in ticket_selectors.macros_for_ticket(analyst, ticket)
        if " ".join(macro_services.macro_text_fill(body=macro.body, ticket=ticket).split()) in said
    ]
    if used:
        macro_services.macros_apply(macros=used, ticket=ticket, actor=analyst, message=message)


def seed_history(*, now: dt.datetime | None = None, path: Path = HISTORY) -> Seeded:
    """Seed the demo with its past: on an empty database, its teams, accounts and tickets
    too. Imports the handbook as it was before the history, then plays the history and the
    demo's tickets up to ``now`` in the order of their times, the copilot deciding on each
    customer message as it comes and each finished ticket teaching at its resolution."""
    now = now or timezone.now()
    shift = now - HISTORY_NOW
    warnings: list[str] = []
    conversations = list(read_conversations(path, warnings))
    if warnings:
        raise HistoryError("; ".join(warnings))
    extras = _extras(path)
    start = min(conv.turns[0].at for conv in conversations if conv.turns[0].at) + shift
    fresh = not Ticket.objects.exists()
    done = Seeded(conversations=len(conversations))
    with (
        quiet_side_effects(local_engine=True),
        live_receivers_muted(),
        embedding.reusing(),
        time_machine.travel(start - dt.timedelta(days=1), tick=False) as clock,
    ):
        # The teams, accounts, customers and macros (with the entries kept from the macros)
        # date from before the history, as the handbook does.
        steps = seeding.demo_plan(now=now) if fresh else []
        done.tickets = seeding.tickets_in(steps)
        player = DemoHistory(extras=extras, shift=shift)
        player.curated_until = now - UNCURATED
        demo_seeding.handbook_import()
        player.prefetch(conversations)
        played: set[int] = set()
        finished = [] if fresh else demo_seeding.finished_tickets()
        for at, what in _timeline(player, conversations, steps, finished, (start, now)):
            clock.move_to(at)
            done.learned += _happen(player, what, played)
        clock.move_to(now)
    done.runs = CopilotRun.objects.count()
    return done


def _extras(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {str(row["id"]): row for row in rows}


# An event: a turn or the end of a conversation, a demo ticket's resolution, a day's auto-close.
Event = tuple[str, Any]


def _timeline(
    player: DemoHistory,
    conversations: list[Conversation],
    steps: list[seeding.Step],
    finished: list[Ticket],
    days: tuple[dt.datetime, dt.datetime],
) -> Iterator[tuple[dt.datetime, Event]]:
    """Every event in the order of its time; a conversation's next turn is scheduled once
    the one before it was played, a demo ticket's learning once it was finished."""
    start, now = days
    queue: list[tuple[dt.datetime, int, Event]] = []
    order = 0

    def push(at: dt.datetime, event: Event) -> None:
        nonlocal order
        order += 1
        heapq.heappush(queue, (at, order, event))

    for conversation in conversations:
        playing = player.begin(conversation)
        if playing.upcoming is not None:
            push(player.when(playing.upcoming), ("turn", playing))
    latest: dict[int, dt.datetime] = {}  # a demo ticket's steps stay in their order
    for step in steps:
        at = latest[id(step.holder)] = max(step.at, latest.get(id(step.holder), step.at))
        push(at, ("demo", step))
    for ticket in finished:
        if ticket.resolved_at is not None:
            push(ticket.resolved_at, ("learn", ticket))
    day = start
    while day < now:
        day += dt.timedelta(days=1)
        push(day, ("close", None))
    while queue:
        at, _, event = heapq.heappop(queue)
        yield at, event
        kind, subject = event
        if kind == "turn":
            upcoming = subject.upcoming
            if upcoming is not None:
                push(max(at, player.when(upcoming)), ("turn", subject))
            else:
                ended = at + RESOLVED_AFTER if subject.conversation.resolved else at
                push(min(ended, now), ("end", subject))
        elif kind == "demo" and subject.kind == "finish":
            ticket = subject.ticket
            if ticket is not None and ticket.resolved_at is not None:
                push(max(at, ticket.resolved_at), ("learn", ticket))


def _happen(player: DemoHistory, event: Event, played: set[int]) -> int:
    """Play one event; returns the entries it taught."""
    kind, subject = event
    if kind == "turn":
        playing: Playing = subject
        player.play_turn(playing)
        if playing.ticket is not None:
            played.add(playing.ticket.pk)
        return 0
    if kind == "end":
        return len(player.end(subject).learned)
    if kind == "demo":
        player.take_step(subject)
        return 0
    if kind == "learn":
        return demo_seeding.learn_from([subject])
    ticket_services.tickets_auto_close(
        older_than=dt.timedelta(days=settings.VIGIL_AUTO_CLOSE_DAYS), among=played
    )
    return 0
