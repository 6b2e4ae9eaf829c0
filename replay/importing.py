"""A team's history brought into the live system, the copilot's first teacher.

Each recorded conversation (the replay format) becomes a closed ticket marked imported, its
messages at their recorded times; each resolved one is then learned from, so the team's
curation queue fills with what its analysts taught. Nothing is announced: no copilot run, no
live event and no webhook is for a conversation that ended long ago. Importing the same
conversation twice adds nothing (the ticket remembers the conversation's id), and a stopped
import goes on where it stopped: each conversation is written, and learned from, at once.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ai import embedding
from knowledge import example_index, learning
from replay.reading import (
    KIND_OF_ROLE,
    SUBJECT_WORDS,
    Conversation,
    Turn,
    in_batches,
    read_conversations,
)
from tickets.models import Customer, Message, Team, Ticket, TicketEvent

IMPORT_NAME = "Import"
# Conversations whose texts to learn from are embedded together, in one model call.
PREFETCH_CONVERSATIONS = 64
CUSTOMER_DOMAIN = "imported.invalid"
SLUG_LENGTH = Team._meta.get_field("slug").max_length or 0


class ImportSkipped(Exception):
    """This conversation cannot be imported; the message says why."""


@dataclass
class Imported:
    ticket: Ticket | None  # None: it was imported before
    messages: int = 0
    learned: int = 0  # entries proposed or supported by it


@dataclass
class Progress:
    """How far an import of a file got."""

    conversations: int = 0  # lines read, imported or not
    imported: int = 0
    already: int = 0  # imported before: nothing added
    messages: int = 0
    learned: int = 0
    warnings: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)  # slugs, in the order met
    teams_missing: list[str] = field(default_factory=list)  # named by skipped lines, not here


def import_file(
    path: Path,
    *,
    default: Team | None,
    learn: bool = True,
    create_teams: bool = False,
    progress: Callable[[Progress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Progress:
    """Import every conversation of ``path`` into its own team (a line's ``team`` slug), or
    ``default`` for lines that name none; bad lines are named in the warnings and skipped, and
    so are lines naming a team that is not here, unless ``create_teams`` (then the team is
    created, without members, when its first line is met). ``progress`` hears after each
    line; a true ``stop()`` ends the import between two conversations. Raises
    ``ReplayInputError`` for an unreadable file."""
    teams = {team.slug: team for team in Team.objects.all()}
    done = Progress()
    links_seen: set[frozenset[str]] = set()

    def team_of(conversation: Conversation) -> Team | None:
        if not conversation.team:
            return default
        creatable = create_teams and len(conversation.team) <= SLUG_LENGTH
        if conversation.team not in teams and creatable:
            teams[conversation.team] = team_for_import(conversation.team)
            done.teams_created.append(conversation.team)
        return teams.get(conversation.team)

    with embedding.reusing(), _commits_not_awaited():
        batches: Iterable[list[tuple[Conversation, Team | None]]] = (
            [(c, team_of(c)) for c in batch]
            for batch in in_batches(read_conversations(path, done.warnings), PREFETCH_CONVERSATIONS)
        )
        if learn:
            # The next batch's texts are embedded while this one is written.
            batches = embedding.ahead(batches, lambda placed: _to_embed(placed, links_seen))
        for placed in batches:
            ahead = _looked_ahead(placed)
            for conversation, team in placed:
                _import_one(conversation, team, learn, done, ahead)
                if progress is not None:
                    progress(done)
                if stop is not None and stop():
                    return done
    return done


@contextmanager
def _commits_not_awaited() -> Iterator[None]:
    """For the length of the import, its commits do not wait for the disk (PostgreSQL's
    ``synchronous_commit`` off, on this connection only). An import is idempotent and resumes
    where it stopped, so the last moments of commits a database crash could lose are imported
    again on the next run; nothing is ever left half written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('synchronous_commit'),"
            " set_config('synchronous_commit', 'off', false)"
        )
        before = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not connection.needs_rollback:  # else the setting goes with the transaction
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [before])


@dataclass(frozen=True)
class Ahead:
    """What two queries found for a batch of conversations, instead of a few per conversation."""

    imported: set[tuple[int, str | None]]  # (team id, conversation id) of those imported before
    customers: dict[str, Customer]  # by address


def _looked_ahead(placed: list[tuple[Conversation, Team | None]]) -> Ahead:
    """The batch's conversations imported before, and the customers of the others, created
    when new (one bulk insert; a customer may so exist before the ticket that is written
    next, and stays when the import is stopped before it: harmless, and used on resuming)."""
    wanted = [(c, team) for c, team in placed if team is not None]
    imported = _imported_before(wanted)
    names: dict[str, str] = {}
    for conversation, team in wanted:
        turns = _from_first_customer(conversation.turns)
        if turns and (team.pk, conversation.id) not in imported:
            name = turns[0].author.strip()
            names[_customer_email(team, name)] = name[:120] or "Customer"
    Customer.objects.bulk_create(
        [Customer(email=email, name=name) for email, name in names.items()],
        ignore_conflicts=True,
    )
    return Ahead(imported, {c.email: c for c in Customer.objects.filter(email__in=names)})


def _import_one(
    conversation: Conversation, team: Team | None, learn: bool, done: Progress, ahead: Ahead
) -> None:
    done.conversations += 1
    if team is None:
        done.warnings.append(_no_team(conversation.line, conversation.team))
        if conversation.team and conversation.team not in done.teams_missing:
            done.teams_missing.append(conversation.team)
        return
    try:
        result = conversation_import(conversation, team=team, learn=learn, ahead=ahead)
    except ImportSkipped as exc:
        done.warnings.append(f"line {conversation.line}: {exc}")
        return
    if result.ticket is None:
        done.already += 1
    else:
        done.imported += 1
    done.messages += result.messages
    done.learned += result.learned


def _imported_before(wanted: list[tuple[Conversation, Team]]) -> set[tuple[int, str | None]]:
    """(team id, conversation id) of the conversations of ``wanted`` imported before."""
    return set(
        Ticket.objects.filter(
            team__in={team for _, team in wanted}, import_id__in={c.id for c, _ in wanted}
        ).values_list("team_id", "import_id")
    )


def _to_embed(
    placed: list[tuple[Conversation, Team | None]], links_seen: set[frozenset[str]]
) -> list[str]:
    """What learning from these conversations will embed, as far as it is known before
    (``learning.texts_to_embed``), for ``embedding.ahead``: the conversations are then learned
    from one by one, in order, each finding its texts embedded. Those imported before are left
    out; learning's outcome does not change (a text's vector is the same in any call). Planned
    while the batch before is written: a text it could not foresee is embedded when asked for."""
    wanted = [(c, team) for c, team in placed if team is not None and c.resolved]
    imported = _imported_before(wanted)
    teams = {team for _, team in wanted}
    # Support messages repeating an answer are only looked at in a team with approved entries.
    repeats = {team: bool(len(example_index.for_team(team).entries)) for team in teams}
    texts: list[str] = []
    for conversation, team in wanted:
        turns = _from_first_customer(conversation.turns)
        if turns and (team.pk, conversation.id) not in imported:
            ticket, messages = _planned(conversation, turns, team)
            texts += learning.texts_to_embed(
                ticket, messages, links_seen=links_seen, repeats=repeats[team]
            )
    return texts


def team_for_import(slug: str) -> Team:
    """The team a line names, created for an import that may create teams: named after its
    slug (with a number when another team has that name), no members yet, the copilot's
    default settings. An admin adds its people afterwards."""
    name, number = slug[:80], 1
    while Team.objects.filter(name=name).exists():
        number += 1
        name = f"{slug[:70]} {number}"
    team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name})
    return team


def _no_team(line: int, slug: str) -> str:
    if slug:
        return (
            f"line {line}: no team {slug!r} here (create it first, let the import create the "
            "teams its lines name, or drop the line's team)"
        )
    return f"line {line}: the conversation names no team; choose a team for such lines"


def conversation_import(
    conversation: Conversation, *, team: Team, learn: bool = True, ahead: Ahead | None = None
) -> Imported:
    """Bring ``conversation`` into ``team`` as a closed, imported ticket and learn from it when
    it was resolved. Raises ``ImportSkipped`` for a conversation without a customer message.
    ``ahead``: what was looked up for its batch (``import_file``)."""
    turns = _from_first_customer(conversation.turns)
    if not turns:
        raise ImportSkipped(f"conversation {conversation.id!r} has no customer message")
    if ahead is not None:
        if (team.pk, conversation.id) in ahead.imported:
            return Imported(ticket=None)
    elif Ticket.objects.filter(team=team, import_id=conversation.id).exists():
        return Imported(ticket=None)
    try:
        with transaction.atomic():
            ticket, messages = _ticket(conversation, turns, team, ahead.customers if ahead else {})
            learned = 0
            if learn and conversation.resolved:
                results = learning.learn_from_ticket(ticket, messages, fresh=True)
                learned = sum(1 for r in results if r.action != "skipped")
    except IntegrityError:
        # Imported meanwhile by another run: the constraint keeps one.
        if Ticket.objects.filter(team=team, import_id=conversation.id).exists():
            return Imported(ticket=None)
        raise
    return Imported(ticket=ticket, messages=len(turns), learned=learned)


def _from_first_customer(turns: tuple[Turn, ...]) -> list[Turn]:
    """A ticket starts with its customer: staff lines before the first customer line are not
    in it (as in a replay), nor are empty lines."""
    first = next((i for i, turn in enumerate(turns) if turn.role == "customer"), None)
    if first is None:
        return []
    return [turn for turn in turns[first:] if _text(turn.text)]


def _text(text: str) -> str:
    # PostgreSQL text holds no NUL; a message is limited as a live one is.
    return text.replace("\x00", "").strip()[: settings.VIGIL_MAX_MESSAGE_CHARS]


def _times(turns: list[Turn]) -> list[dt.datetime]:
    """Each turn's recorded time; a turn without one takes the one before it (the first takes
    the next known time, or now), so that the ticket's messages stay in their order."""
    known = [turn.at for turn in turns if turn.at is not None]
    current = known[0] if known else timezone.now()
    times = []
    for turn in turns:
        if turn.at is not None and turn.at >= current:
            current = turn.at
        times.append(current)
    return times


def _customer_email(team: Team, name: str) -> str:
    """Customers are known by name within the team: their imported tickets are one history.
    The address is a placeholder of a domain that cannot receive mail."""
    key = hashlib.sha256(f"{team.slug}\n{name}".encode()).hexdigest()[:16]
    return f"imported-{key}@{CUSTOMER_DOMAIN}"


def _customer(team: Team, name: str, known: dict[str, Customer]) -> Customer:
    email = _customer_email(team, name)
    if email in known:
        return known[email]
    customer, _ = Customer.objects.get_or_create(
        email=email, defaults={"name": name[:120] or "Customer"}
    )
    return customer


def _subject(conversation: Conversation, turns: list[Turn]) -> str:
    subject = conversation.subject.strip() or " ".join(_text(turns[0].text).split()[:SUBJECT_WORDS])
    return subject[:200]


def _messages(turns: list[Turn], times: list[dt.datetime], customer: Customer) -> list[Message]:
    return [
        Message(
            kind=KIND_OF_ROLE[turn.role],
            author_name=(customer.name if turn.role == "customer" else turn.author or "")[:120],
            body=_text(turn.text),
            created_at=at,
            # Numbered as live messages are, so a page open on it fetches what it misses.
            seq=number,
            public_seq=number,
        )
        for number, (turn, at) in enumerate(zip(turns, times, strict=True), start=1)
    ]


def _planned(
    conversation: Conversation, turns: list[Turn], team: Team
) -> tuple[Ticket, list[Message]]:
    """The ticket and messages ``_ticket`` will write, unsaved (for what learning embeds)."""
    customer = Customer(name=turns[0].author.strip()[:120] or "Customer")
    ticket = Ticket(subject=_subject(conversation, turns), customer=customer, team=team)
    return ticket, _messages(turns, _times(turns), customer)


def _ticket(
    conversation: Conversation, turns: list[Turn], team: Team, customers: dict[str, Customer]
) -> tuple[Ticket, list[Message]]:
    """The imported ticket and its messages, in order, written."""
    times = _times(turns)
    customer = _customer(team, turns[0].author.strip(), customers)
    subject = _subject(conversation, turns)
    replied = next(
        (at for turn, at in zip(turns, times, strict=True) if turn.role == "analyst"), None
    )
    ended = times[-1]
    count = len(turns)  # imported conversations hold no internal notes: every message is public
    ticket = Ticket.objects.create(
        subject=subject,
        team=team,
        customer=customer,
        status=Ticket.Status.CLOSED,
        created_at=times[0],
        updated_at=timezone.now(),
        last_message_at=ended,
        first_response_at=replied,
        resolved_at=ended if conversation.resolved else None,
        closed_at=ended,
        import_id=conversation.id,
        message_seq=count,
        public_message_seq=count,
    )
    messages = _messages(turns, times, customer)
    for message in messages:
        message.ticket = ticket
    Message.objects.bulk_create(messages)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.CREATED,
        actor_name=IMPORT_NAME,
        new_value=team.name,
        created_at=times[0],
    )
    return ticket, messages
