"""Learning from a resolved ticket: extract, redact, place next to what is already known.

Each candidate is compared with the team's approved and proposed entries:
- the same links as an entry's answer, or nearly the same words and links as an approved
  entry's answer (a stock answer pasted into a reply): it adds evidence to that entry;
- nearly the same question and answer as an existing entry: it adds evidence to that entry;
- close, but not the same: proposed, linked to the entry it may duplicate or contradict;
- otherwise: proposed as new knowledge.
A team's policy may approve learned entries once enough tickets support them.
"""

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Count

from ai import embedding, llm
from knowledge import example_index, extraction, selectors, services
from knowledge.links import links_in
from knowledge.models import KnowledgeEntry, KnowledgeSource, TeamKnowledgePolicy
from tickets.models import MacroUse, Message, Ticket

logger = logging.getLogger(__name__)
Status = KnowledgeEntry.Status
SAME_QUESTION = 0.90  # cosine of question+answer embeddings above which two entries are "the same"
SAME_ANSWER = 0.80
RELATED = 0.75
# A support message this close to an approved entry's answer repeats that entry.
REPEATS_ANSWER = 0.90
ROLE_OF_KIND: dict[str, str] = {
    Message.Kind.CUSTOMER: "customer",
    Message.Kind.ANALYST: "analyst",
    Message.Kind.COPILOT: "copilot",
    Message.Kind.SYSTEM: "system",
}


@dataclass(frozen=True)
class Learned:
    entry: KnowledgeEntry
    action: str  # "created", "evidence", "related", "skipped"
    candidate: extraction.Candidate | None = None


def turns_of(messages: Sequence[Message]) -> list[extraction.Turn]:
    return [
        extraction.Turn(
            index=i,
            role=ROLE_OF_KIND.get(m.kind, "system"),
            text=m.body,
            internal=m.internal,
            author=m.author_name,
        )
        for i, m in enumerate(messages)
    ]


def people_in(ticket: Ticket, messages: Sequence[Message]) -> list[str]:
    """The names of the people in a ticket, redacted from what is learned from it. Not the
    team's own name, which a shared support account often writes under ("Google" answering
    for the google team): it is the brand the answers speak of ("your Google account"), not
    a person."""
    names = {ticket.customer.name, *(m.author_name for m in messages)}
    team = not_people(ticket)
    return sorted(
        n
        for n in names
        if n and n not in {"Vigil", "Copilot", "System"} and extraction.bare_name(n) not in team
    )


def not_people(ticket: Ticket) -> frozenset[str]:
    """The team's name and slug, as ``extraction.bare_name`` gives them."""
    team = ticket.team
    return frozenset({extraction.bare_name(team.name), extraction.bare_name(team.slug)}) - {""}


def candidates_for(ticket: Ticket, messages: Sequence[Message]) -> list[extraction.Candidate]:
    turns = turns_of(messages)
    names = people_in(ticket, messages)
    if llm.llm_configured("extract"):
        from knowledge import llm_extraction

        try:
            return llm_extraction.extract_candidates(turns, subject=ticket.subject, names=names)
        except llm.LLMError:
            logger.warning("LLM extraction failed for ticket %s; extracting locally", ticket.pk)
    return list(_extracted(tuple(turns), ticket.subject, tuple(names), not_people(ticket)))


@functools.lru_cache(maxsize=256)
def _extracted(
    turns: tuple[extraction.Turn, ...],
    subject: str,
    names: tuple[str, ...],
    not_names: frozenset[str],
) -> tuple[extraction.Candidate, ...]:
    """The local extraction, kept for the conversations seen last: an import or a replay plans
    what a batch will embed (``texts_to_embed``) and then learns from each conversation, and
    both extract its candidates. Pure, and its inputs and results are frozen."""
    return tuple(
        extraction.extract_candidates(turns, subject=subject, names=names, not_names=not_names)
    )


def texts_to_embed(
    ticket: Ticket,
    messages: Sequence[Message],
    *,
    links_seen: set[frozenset[str]] | None = None,
    answers: bool = False,
    repeats: bool = True,
) -> list[str]:
    """What learning from ``ticket`` will ask the embedding model for, as far as it is known
    before learning starts: each candidate's text and its example, and the support messages
    that may repeat a known answer. ``ticket`` and ``messages`` may be unsaved (an import
    plans a batch of conversations ahead). For ``embedding.prefetch``: asking for a text
    that is not needed costs time, never a different result. None with an LLM extraction,
    which would be called twice.

    ``links_seen`` (kept by the caller across tickets) holds the links of answers planned
    before: an answer sending the customer to those same pages most likely joins the entry
    the first one made, which needs only its example embedded. With ``answers`` (entries
    will be approved at once, and the copilot then embeds each answer), new answers too.
    Without ``repeats`` (the team has no approved entry a message or an answer could
    repeat), not the support messages, and not the answers unless ``answers``."""
    if llm.llm_configured("extract"):
        return []
    texts = []
    for candidate in candidates_for(ticket, messages):
        if extraction.is_non_answer(candidate.answer):
            continue
        sources = [messages[i] for i in candidate.source_indexes if 0 <= i < len(messages)]
        example = _example(candidate, sources, ticket)
        links = links_in(candidate.answer)
        if not (links and links_seen is not None and links in links_seen):
            # As _place embeds them.
            texts += [services.embedding_text(candidate.question, candidate.answer), example]
            if answers or repeats:
                texts.append(candidate.answer.strip())
        if links and links_seen is not None:
            links_seen.add(links)
        # As an example added to an entry is stored (spaces folded).
        texts.append(" ".join(example.split())[: services.MAX_QUESTION])
    if repeats:
        texts += [body for _, body in _repeats(messages)]
    return texts


def _repeats(messages: Sequence[Message]) -> list[tuple[int, str]]:
    """Public copilot (and replayed bot) messages long enough to repeat an entry's answer."""
    return [
        (i, m.body)
        for i, m in enumerate(messages)
        if m.kind == Message.Kind.COPILOT and not m.internal and len(m.body.split()) >= 4
    ]


def learn_from_ticket(
    ticket: Ticket, messages: Sequence[Message] | None = None, *, fresh: bool = False
) -> list[Learned]:
    """Turn what the analysts taught in a resolved ticket into knowledge. Idempotent.

    ``messages``: the ticket's messages in order, when the caller holds them. ``fresh``: they
    were written just now, in the caller's transaction (an import), so nothing was learned
    from them before and no macro was sent with them: neither is looked up."""
    if messages is None:
        messages = list(ticket.messages.order_by("created_at", "id"))
    results: list[Learned] = []
    placed_from: list[tuple[set[int], KnowledgeEntry]] = []  # this call's entries, by sources
    for candidate in candidates_for(ticket, messages):
        if extraction.is_non_answer(candidate.answer):
            continue  # "I don't know" teaches nothing
        sources = [messages[i] for i in candidate.source_indexes if 0 <= i < len(messages)]
        ids = {message.pk for message in sources}
        known = None
        if sources:
            # Fresh messages can only have taught what this very call placed.
            known = _taught_here(placed_from, ids) if fresh else _learned_from(ids)
        if known is not None:
            placed = Learned(known, "skipped")  # learned from these very messages before
        else:
            placed = _place(ticket, candidate, sources)
            placed_from.append((ids, placed.entry))
        results.append(Learned(placed.entry, placed.action, candidate))
    results += _repeated_answers(ticket, messages)
    return results if fresh else results + _macro_answers(ticket, messages)


def _repeated_answers(ticket: Ticket, messages: Sequence[Message]) -> list[Learned]:
    """Answers given by repeating a known entry (a bot answering a helper's call, the
    copilot's own reply): the customer's question before each becomes another question that
    entry answers, so the next customer who asks it that way is understood."""
    repeats = _repeats(messages)
    if not repeats:
        return []
    index = example_index.for_team(ticket.team)
    if not len(index.entries):
        return []
    vectors = embedding.embed([body for _, body in repeats])
    names = tuple(people_in(ticket, messages))
    results = []
    for (i, _body), vector in zip(repeats, vectors, strict=True):
        message = messages[i]
        pk = _repeated_entry(index, vector)
        if pk is None:
            continue
        asked = _asked_before(messages, i)
        if asked is None or KnowledgeSource.objects.filter(entry_id=pk, message=message).exists():
            continue
        example = extraction.plain_question(asked.body, names)
        entry = KnowledgeEntry.objects.get(pk=pk)
        with services.all_or_nothing():
            entry = services.entry_add_evidence(
                entry=entry, ticket=ticket, messages=[asked, message], example=example
            )
        results.append(Learned(entry, "evidence"))
    return results


def _repeated_entry(index: example_index.ScopeIndex, vector: Sequence[float]) -> int | None:
    """The approved entry of ``index`` whose answer the text embedded as ``vector`` repeats."""
    if not len(index.entries):
        return None
    sims = index.entries.similarities(example_index.unit(vector))
    best = int(np.argmax(sims))
    if not np.isfinite(sims[best]) or sims[best] < REPEATS_ANSWER:
        return None
    return int(index.entries.owner[best])


def _entry_repeated_by(answer: str, ticket: Ticket) -> KnowledgeEntry | None:
    """The team's approved entry that ``answer`` repeats: nearly the same words and the same
    links (none, or the same pages). An analyst pasting the team's stock answer, or its core,
    into a reply teaches that entry another question rather than a copy of it."""
    index = example_index.for_team(ticket.team)
    if not len(index.entries):
        return None
    [vector] = embedding.embed([answer.strip()])
    pk = _repeated_entry(index, vector)
    entry = None if pk is None else KnowledgeEntry.objects.filter(pk=pk).first()
    if (
        entry is None
        or entry.status != Status.APPROVED
        or links_in(entry.answer) != links_in(answer)
    ):
        return None
    return entry


def _macro_answers(ticket: Ticket, messages: Sequence[Message]) -> list[Learned]:
    """Replies sent with a team macro: the customer's question before each becomes another
    question the macro's entry answers (``knowledge.macro_knowledge``), so the copilot offers
    that macro the next time a customer asks it that way."""
    uses = MacroUse.objects.filter(
        ticket=ticket, macro__knowledge_entry__status=Status.APPROVED
    ).select_related("macro__knowledge_entry")
    position = {m.pk: i for i, m in enumerate(messages)}
    names = tuple(people_in(ticket, messages))
    results = []
    for use in uses:
        entry = use.macro.knowledge_entry
        i = position.get(use.message_id)
        if i is None or _already_learned(entry, use.message_id):
            continue  # not in this ticket any more (merged away), or learned before
        asked = _asked_before(messages, i)
        if asked is None:
            continue
        example = extraction.plain_question(asked.body, names)
        with services.all_or_nothing():
            entry = services.entry_add_evidence(
                entry=entry, ticket=ticket, messages=[asked, messages[i]], example=example
            )
        results.append(Learned(entry, "evidence"))
    return results


def _already_learned(entry: KnowledgeEntry, message_id: int) -> bool:
    return KnowledgeSource.objects.filter(entry=entry, message_id=message_id).exists()


def _asked_before(messages: Sequence[Message], i: int) -> Message | None:
    """The last customer message of at least three words before ``messages[i]``."""
    return next(
        (
            m
            for m in reversed(messages[:i])
            if m.kind == Message.Kind.CUSTOMER and len(m.body.split()) >= 3
        ),
        None,
    )


def _taught_here(
    placed_from: Sequence[tuple[set[int], KnowledgeEntry]], ids: set[int]
) -> KnowledgeEntry | None:
    """Of the entries this learning placed, a proposed or approved one whose sources hold
    every one of the messages ``ids`` (``_learned_from`` for messages nothing read before)."""
    return next(
        (
            entry
            for sources, entry in placed_from
            if ids <= sources and entry.status in (Status.PROPOSED, Status.APPROVED)
        ),
        None,
    )


def _learned_from(ids: set[int]) -> KnowledgeEntry | None:
    """A proposed or approved entry already learned from every one of the messages ``ids``.

    Asked of the sources table, counting each entry's matching messages: the entries joined to
    their sources once per message, the first taken in id order, took about 40 ms a candidate
    on a history of a few hundred entries."""
    learned = (
        KnowledgeSource.objects.filter(
            message_id__in=ids, entry__status__in=[Status.PROPOSED, Status.APPROVED]
        )
        .values("entry")
        .annotate(matched=Count("message", distinct=True))
        .filter(matched=len(ids))
        .values("entry")
    )
    return KnowledgeEntry.objects.filter(pk__in=learned).order_by("pk").first()


def _place(ticket: Ticket, candidate: extraction.Candidate, sources: list[Message]) -> Learned:
    example = _example(candidate, sources, ticket)
    same_links = _entry_with_same_links(candidate.answer, ticket)
    if same_links is not None:
        # Two answers sending the customer to the same pages are one answer: this ticket's
        # question becomes another question that entry answers.
        with services.all_or_nothing():
            entry = services.entry_add_evidence(
                entry=same_links, ticket=ticket, messages=sources, example=example
            )
            _maybe_auto_approve(entry, ticket)
        return Learned(entry, "evidence")
    repeated = _entry_repeated_by(candidate.answer, ticket)
    if repeated is not None:
        with services.all_or_nothing():
            entry = services.entry_add_evidence(
                entry=repeated, ticket=ticket, messages=sources, example=example
            )
        return Learned(entry, "evidence")
    question_vector, example_vector = embedding.embed(
        [services.embedding_text(candidate.question, candidate.answer), example]
    )
    hits = selectors.knowledge_search(
        candidate.question,
        team=ticket.team,
        limit=3,
        query_vector=question_vector,
        statuses=(Status.APPROVED, Status.PROPOSED),
    )
    nearest = next((h for h in hits if h.similarity is not None), None)
    tags = [*candidate.tags, *ticket.tags]
    with services.all_or_nothing():
        similarity = nearest.similarity if nearest else None
        # Compared once: both the evidence and the related branch below need it.
        same_answer = (
            nearest is not None
            and similarity is not None
            and similarity >= RELATED
            and _answer_similarity(nearest.entry, candidate.answer) >= SAME_ANSWER
        )
        if same_answer and nearest and similarity is not None and similarity >= SAME_QUESTION:
            entry = services.entry_add_evidence(
                entry=nearest.entry,
                ticket=ticket,
                messages=sources,
                example=example,
                example_vector=example_vector,
            )
            _maybe_auto_approve(entry, ticket)
            return Learned(entry, "evidence")
        entry = services.entry_create(
            question=candidate.question,
            answer=candidate.answer,
            actor=None,
            team=ticket.team,
            tags=tags,
            source=KnowledgeEntry.Source.LEARNED,
            vector=question_vector,
            note=f"learned from ticket #{ticket.pk}",
            ticket=ticket,
            example=example,
            example_vector=example_vector,
        )
        services.link_sources(entry, ticket, sources)
        if nearest and similarity is not None and similarity >= RELATED:
            services.entry_relate(
                entry=entry,
                related=nearest.entry,
                relation=(
                    KnowledgeEntry.Relation.DUPLICATE
                    if same_answer
                    else KnowledgeEntry.Relation.CONFLICT
                ),
            )
            return Learned(entry, "related")
        _maybe_auto_approve(entry, ticket)
        return Learned(entry, "created")


def _example(candidate: extraction.Candidate, sources: list[Message], ticket: Ticket) -> str:
    """The customer's own words, redacted: how the next customer will ask. The candidate's
    question is a tidied digest for curators; matching works better on what people write."""
    names = tuple(people_in(ticket, sources))
    asked = [
        extraction.plain_question(m.body, names) for m in sources if m.kind == Message.Kind.CUSTOMER
    ]
    return " ".join(a for a in asked if a)[:1000] or candidate.question


def _entry_with_same_links(answer: str, ticket: Ticket) -> KnowledgeEntry | None:
    """The team's approved or proposed entry whose answer holds exactly the links of
    ``answer`` (compared without scheme, archive prefix or query), if there is one."""
    links = links_in(answer)
    if not links:
        return None
    entries = selectors.in_scope(ticket.team, statuses=(Status.APPROVED, Status.PROPOSED))
    # The most specific link narrows the search; the sets are compared below.
    entries = entries.filter(answer__icontains=max(links, key=len))
    for entry in entries.order_by("-status", "pk")[:20]:
        if links_in(entry.answer) == links:
            return entry
    return None


def _answer_similarity(entry: KnowledgeEntry, answer: str) -> float:
    # Embedded only when a close question makes the answers worth comparing: answers are the
    # longest texts learning meets, and most candidates never need it.
    existing, new = embedding.embed([entry.answer, answer])
    return _cosine(existing, new)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _maybe_auto_approve(entry: KnowledgeEntry, ticket: Ticket) -> None:
    if entry.status != Status.PROPOSED or entry.related_entry_id:
        return
    policy = TeamKnowledgePolicy.objects.filter(team=ticket.team).first()
    if policy is None or not policy.auto_approve:
        return
    if entry.evidence_count >= policy.auto_approve_min_evidence:
        services.entry_approve(
            entry=entry,
            actor=None,
            note=f"approved automatically: {entry.evidence_count} resolved tickets support it",
        )
