"""Creating, editing, reviewing, merging and re-embedding knowledge entries."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ai import embedding
from knowledge.models import (
    KnowledgeEntry,
    KnowledgeExample,
    KnowledgeRevision,
    KnowledgeSource,
)
from knowledge.services.common import (
    MAX_QUESTION,
    Kind,
    KnowledgeError,
    Status,
    _actor_name,
    _embed,
    _log,
    all_or_nothing,
    clean_tags,
    clean_text,
    embedding_text,
    refuse_if_from_macro,
)
from knowledge.signals import knowledge_approved
from tickets.models import Message, Team, Ticket


def entry_create(
    *,
    question: str,
    answer: str,
    actor: User | None,
    team: Team | None = None,
    tags: Iterable[str] | str = (),
    source: str = KnowledgeEntry.Source.MANUAL,
    status: str = Status.PROPOSED,
    external_id: str | None = None,
    evidence_count: int = 1,
    vector: Sequence[float] | None = None,
    note: str = "",
    example: str = "",
    example_vector: Sequence[float] | None = None,
    ticket: Ticket | None = None,
) -> KnowledgeEntry:
    """Create an entry, embedded, with its first revision and its first example: ``example``
    (the question of the ticket it was learned from), or else its own question."""
    question, answer = clean_text(question, answer)
    if vector is None:
        vector, model = _embed(question, answer)
    else:
        model = embedding.embedding_model_name()
    with all_or_nothing():
        entry = KnowledgeEntry.objects.create(
            question=question,
            answer=answer,
            team=team,
            tags=clean_tags(tags),
            source=source,
            status=status,
            external_id=external_id,
            evidence_count=evidence_count,
            embedding=list(vector),
            embedding_model=model,
            created_by=actor,
            reviewed_by=actor if status == Status.APPROVED else None,
            reviewed_at=timezone.now() if status == Status.APPROVED else None,
        )
        _first_example(entry, example or question, example_vector, ticket)
        _log(entry, Kind.CREATED, actor, note=note)
        if status == Status.APPROVED:
            _log(entry, Kind.APPROVED, actor, note=note)
            _announce_approved(entry)
    return entry


def example_add(
    *,
    entry: KnowledgeEntry,
    text: str,
    vector: Sequence[float] | None = None,
    ticket: Ticket | None = None,
) -> KnowledgeExample | None:
    """Another question ``entry`` answers; None when the entry has it already."""
    text = " ".join(text.split())[:MAX_QUESTION]
    if not text or entry.examples.filter(text=text).exists():
        return None
    if vector is None:
        vector = embedding.embed([text])[0]
    example = KnowledgeExample.objects.create(
        entry=entry,
        text=text,
        embedding=list(vector),
        embedding_model=embedding.embedding_model_name(),
        ticket=ticket,
    )
    # The entry changed (what the copilot keeps of it in memory looks at this time).
    KnowledgeEntry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())
    return example


def _first_example(
    entry: KnowledgeEntry, text: str, vector: Sequence[float] | None, ticket: Ticket | None
) -> None:
    """``example_add`` for an entry just created: it has no example to compare with, and its
    time of last change is its creation's (one statement instead of three)."""
    text = " ".join(text.split())[:MAX_QUESTION]
    if not text:
        return
    if vector is None:
        vector = embedding.embed([text])[0]
    KnowledgeExample.objects.create(
        entry=entry,
        text=text,
        embedding=list(vector),
        embedding_model=embedding.embedding_model_name(),
        ticket=ticket,
    )


def _announce_approved(entry: KnowledgeEntry) -> None:
    transaction.on_commit(lambda: knowledge_approved.send(sender=KnowledgeEntry, entry=entry))


@dataclass(frozen=True)
class NewEntry:
    question: str
    answer: str
    vector: Sequence[float]
    tags: Sequence[str] = ()
    external_id: str | None = None
    note: str = ""
    # The question alone, embedded: the entry's first example. Without it the example uses
    # the entry's vector and is marked for `reembed_knowledge`.
    question_vector: Sequence[float] | None = None
    # The answer alone, embedded; without it the copilot embeds it when it first meets the entry.
    answer_vector: Sequence[float] | None = None


def entries_create_many(
    *,
    entries: Sequence[NewEntry],
    actor: User | None,
    team: Team | None,
    source: str,
    status: str,
) -> list[KnowledgeEntry]:
    """``entry_create`` for many entries at once (imports): one insert for the entries and one
    for their history. Raises KnowledgeError, creating nothing, if any entry is incomplete."""
    model = embedding.embedding_model_name()
    approved = status == Status.APPROVED
    now = timezone.now()
    objects = []
    for item in entries:
        question, answer = clean_text(item.question, item.answer)
        objects.append(
            KnowledgeEntry(
                question=question,
                answer=answer,
                team=team,
                tags=clean_tags(item.tags),
                source=source,
                status=status,
                external_id=item.external_id,
                embedding=list(item.vector),
                embedding_model=model,
                answer_embedding=list(item.answer_vector)
                if item.answer_vector is not None
                else None,
                answer_embedding_model=model if item.answer_vector is not None else "",
                created_by=actor,
                reviewed_by=actor if approved else None,
                reviewed_at=now if approved else None,
            )
        )
    kinds = [Kind.CREATED, Kind.APPROVED] if approved else [Kind.CREATED]
    with transaction.atomic():
        created = KnowledgeEntry.objects.bulk_create(objects)
        KnowledgeRevision.objects.bulk_create(
            KnowledgeRevision(
                entry=entry,
                kind=kind,
                actor=actor,
                actor_name=_actor_name(actor),
                question=entry.question,
                answer=entry.answer,
                note=item.note[:300],
            )
            for entry, item in zip(created, entries, strict=True)
            for kind in kinds
        )
        KnowledgeExample.objects.bulk_create(
            KnowledgeExample(
                entry=entry,
                text=entry.question[:MAX_QUESTION],
                embedding=list(item.question_vector or item.vector),
                embedding_model=model if item.question_vector is not None else "",
            )
            for entry, item in zip(created, entries, strict=True)
        )
        if approved:
            for entry in created:
                _announce_approved(entry)
    return created


def entry_edit(
    *,
    entry: KnowledgeEntry,
    actor: User | None,
    question: str,
    answer: str,
    tags: Iterable[str] | str | None = None,
    team: Team | bool | None = False,
    note: str = "",
    vector: Sequence[float] | None = None,
) -> KnowledgeEntry:
    """Change an entry's text (re-embedded), tags or scope. ``team=False`` keeps the scope."""
    refuse_if_from_macro(entry, actor)
    question, answer = clean_text(question, answer)
    fields = ["question", "answer", "tags", "updated_at"]
    text_changed = (question, answer) != (entry.question, entry.answer)
    if answer != entry.answer:
        entry.answer_embedding, entry.answer_embedding_model = None, ""
        fields += ["answer_embedding", "answer_embedding_model"]
    entry.question, entry.answer = question, answer
    if tags is not None:
        entry.tags = clean_tags(tags)
    if team is not False:
        entry.team = team  # type: ignore[assignment]
        fields.append("team")
    if text_changed and vector is not None:
        entry.embedding, entry.embedding_model = list(vector), embedding.embedding_model_name()
        fields += ["embedding", "embedding_model"]
    elif text_changed:
        entry.embedding, entry.embedding_model = _embed(question, answer)
        fields += ["embedding", "embedding_model"]
    with transaction.atomic():
        entry.save(update_fields=fields)
        _log(entry, Kind.EDITED, actor, note=note)
    return entry


def mark_reviewed(entry: KnowledgeEntry, status: str, actor: User | None) -> list[str]:
    entry.status = status
    entry.reviewed_by = actor
    entry.reviewed_at = timezone.now()
    return ["status", "reviewed_by", "reviewed_at", "updated_at"]


def entry_approve(
    *,
    entry: KnowledgeEntry,
    actor: User | None,
    question: str | None = None,
    answer: str | None = None,
    note: str = "",
) -> KnowledgeEntry:
    """Approve, optionally with an edited text (edit then approve)."""
    if entry.status not in {Status.PROPOSED, Status.APPROVED}:
        raise KnowledgeError(f"A {entry.get_status_display().lower()} entry cannot be approved.")
    newly_approved = entry.status != Status.APPROVED
    with transaction.atomic():
        if question is not None or answer is not None:
            edited = (question or entry.question, answer or entry.answer)
            if edited != (entry.question, entry.answer):
                entry_edit(entry=entry, actor=actor, question=edited[0], answer=edited[1])
        fields = mark_reviewed(entry, Status.APPROVED, actor)
        entry.flagged, entry.flag_reason = False, ""
        entry.save(update_fields=[*fields, "flagged", "flag_reason"])
        _log(entry, Kind.APPROVED, actor, note=note)
        if newly_approved:
            _announce_approved(entry)
    return entry


def entry_reject(*, entry: KnowledgeEntry, actor: User | None, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise KnowledgeError("Say why the entry is rejected; the reason helps the next curator.")
    if entry.status != Status.PROPOSED:
        raise KnowledgeError("Only proposed entries can be rejected; archive approved ones.")
    with transaction.atomic():
        fields = mark_reviewed(entry, Status.REJECTED, actor)
        entry.reject_reason = reason[:300]
        entry.save(update_fields=[*fields, "reject_reason"])
        _log(entry, Kind.REJECTED, actor, note=reason)


def entry_archive(*, entry: KnowledgeEntry, actor: User | None, note: str = "") -> None:
    if entry.status == Status.ARCHIVED:
        return
    refuse_if_from_macro(entry, actor)
    with transaction.atomic():
        entry.save(update_fields=mark_reviewed(entry, Status.ARCHIVED, actor))
        _log(entry, Kind.ARCHIVED, actor, note=note)


def entry_restore(*, entry: KnowledgeEntry, actor: User | None) -> None:
    if entry.status != Status.ARCHIVED:
        raise KnowledgeError("Only archived entries can be restored.")
    with transaction.atomic():
        entry.save(update_fields=mark_reviewed(entry, Status.APPROVED, actor))
        _log(entry, Kind.RESTORED, actor)


def entry_merge(
    *, entry: KnowledgeEntry, into: KnowledgeEntry, actor: User | None
) -> KnowledgeEntry:
    """Fold a proposed entry into an existing one: its evidence and sources move over."""
    if entry.pk == into.pk:
        raise KnowledgeError("An entry cannot be merged into itself.")
    refuse_if_from_macro(entry, actor)
    if into.status not in {Status.APPROVED, Status.PROPOSED}:
        raise KnowledgeError("Merge into an approved or proposed entry.")
    with transaction.atomic():
        for source in entry.sources.all():
            KnowledgeSource.objects.get_or_create(
                entry=into, message_id=source.message_id, defaults={"ticket_id": source.ticket_id}
            )
        known = set(into.examples.values_list("text", flat=True))
        entry.examples.exclude(text__in=known).update(entry=into)
        _retire(
            entry,
            into,
            KnowledgeEntry.Relation.MERGED,
            Kind.MERGED,
            actor,
            note=f"merged into entry #{into.pk}",
        )
        _log(into, Kind.MERGED, actor, note=f"merged entry #{entry.pk} into this one")
    return into


def entry_replace(
    *, entry: KnowledgeEntry, replaced: KnowledgeEntry, actor: User | None
) -> KnowledgeEntry:
    """Approve ``entry`` in place of ``replaced``, which is archived."""
    if entry.pk == replaced.pk:
        raise KnowledgeError("An entry cannot replace itself.")
    refuse_if_from_macro(replaced, actor)
    with transaction.atomic():
        entry_approve(entry=entry, actor=actor, note=f"replaces entry #{replaced.pk}")
        _retire(
            replaced,
            entry,
            KnowledgeEntry.Relation.REPLACED,
            Kind.REPLACED,
            actor,
            note=f"replaced by entry #{entry.pk}",
        )
    return entry


def _retire(
    old: KnowledgeEntry,
    successor: KnowledgeEntry,
    relation: str,
    kind: str,
    actor: User | None,
    *,
    note: str,
) -> None:
    """``old`` is archived, pointing at ``successor``, which takes over its evidence."""
    KnowledgeEntry.objects.filter(pk=successor.pk).update(
        evidence_count=F("evidence_count") + old.evidence_count
    )
    successor.refresh_from_db()
    fields = mark_reviewed(old, Status.ARCHIVED, actor)
    old.related_entry, old.relation = successor, relation
    old.save(update_fields=[*fields, "related_entry", "relation"])
    _log(old, kind, actor, note=note)


def entry_add_evidence(
    *,
    entry: KnowledgeEntry,
    ticket: Ticket,
    messages: Sequence[Message],
    actor: User | None = None,
    example: str = "",
    example_vector: Sequence[float] | None = None,
) -> KnowledgeEntry:
    """Another resolved ticket supports this entry: count it, link its messages and keep its
    question (``example``) as another question the entry answers."""
    with transaction.atomic():
        if example:
            example_add(entry=entry, text=example, vector=example_vector, ticket=ticket)
        KnowledgeEntry.objects.filter(pk=entry.pk).update(
            evidence_count=F("evidence_count") + 1, updated_at=timezone.now()
        )
        link_sources(entry, ticket, messages)
        entry.refresh_from_db()
        _log(entry, Kind.EVIDENCE, actor, note=f"supported by ticket #{ticket.pk}", ticket=ticket)
    return entry


def link_sources(entry: KnowledgeEntry, ticket: Ticket, messages: Sequence[Message]) -> None:
    KnowledgeSource.objects.bulk_create(
        [KnowledgeSource(entry=entry, ticket=ticket, message=m) for m in messages],
        ignore_conflicts=True,
    )


def entries_reembed(*, only_stale: bool = False, batch: int = 64) -> int:
    """Embed entries again with the current model; returns how many were embedded."""
    model = embedding.embedding_model_name()
    entries = KnowledgeEntry.objects.order_by("pk")
    if only_stale:
        entries = entries.exclude(embedding_model=model)
    count = 0
    last = 0
    while True:
        chunk = list(entries.filter(pk__gt=last).only("pk", "question", "answer")[:batch])
        if not chunk:
            return count
        vectors = embedding.embed([embedding_text(e.question, e.answer) for e in chunk])
        for entry, vector in zip(chunk, vectors, strict=True):
            entry.embedding, entry.embedding_model = vector, model
            # Refilled with the current model when the copilot next meets the entry.
            entry.answer_embedding, entry.answer_embedding_model = None, ""
        KnowledgeEntry.objects.bulk_update(
            chunk, ["embedding", "embedding_model", "answer_embedding", "answer_embedding_model"]
        )
        count += len(chunk)
        last = chunk[-1].pk


def answer_vectors_fill(entry_ids: Sequence[int], *, batch: int = 64) -> dict[int, list[float]]:
    """Embed and store the answers of these entries; returns each entry's answer vector."""
    model = embedding.embedding_model_name()
    filled: dict[int, list[float]] = {}
    ids = list(entry_ids)
    for start in range(0, len(ids), batch):
        chunk = list(
            KnowledgeEntry.objects.filter(pk__in=ids[start : start + batch]).only("pk", "answer")
        )
        for entry, vector in zip(chunk, embedding.embed([e.answer for e in chunk]), strict=True):
            entry.answer_embedding, entry.answer_embedding_model = vector, model
            filled[entry.pk] = list(vector)
        # Not a change a person made: the entry keeps its time of last change.
        for entry in chunk:
            KnowledgeEntry.objects.filter(pk=entry.pk).update(
                answer_embedding=entry.answer_embedding, answer_embedding_model=model
            )
    return filled


def examples_reembed(*, only_stale: bool = False, batch: int = 64) -> int:
    """Embed examples again with the current model; returns how many were embedded."""
    model = embedding.embedding_model_name()
    examples = KnowledgeExample.objects.order_by("pk")
    if only_stale:
        examples = examples.exclude(embedding_model=model)
    count, last = 0, 0
    while chunk := list(examples.filter(pk__gt=last).only("pk", "text")[:batch]):
        for example, vector in zip(chunk, embedding.embed([e.text for e in chunk]), strict=True):
            example.embedding, example.embedding_model = vector, model
        KnowledgeExample.objects.bulk_update(chunk, ["embedding", "embedding_model"])
        count += len(chunk)
        last = chunk[-1].pk
    return count


def entry_relate(*, entry: KnowledgeEntry, related: KnowledgeEntry, relation: str) -> None:
    """Mark a proposed entry as a duplicate of, or in conflict with, an existing one."""
    entry.related_entry, entry.relation = related, relation
    entry.save(update_fields=["related_entry", "relation"])
