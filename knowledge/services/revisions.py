"""Proposed revisions of an entry (an analyst's edited answer) and their review."""

from django.contrib.auth.models import User
from django.db import transaction

from knowledge.models import KnowledgeEntry, KnowledgeRevision
from knowledge.services.common import (
    Kind,
    KnowledgeError,
    _actor_name,
    _log,
    clean_text,
)
from knowledge.services.entries import entry_edit
from tickets.models import Ticket


def revision_propose(
    *,
    entry: KnowledgeEntry,
    actor: User | None,
    answer: str,
    question: str | None = None,
    ticket: Ticket | None = None,
    note: str = "",
) -> KnowledgeRevision:
    """A proposed new text for an entry (an analyst's edited answer), waiting for a curator."""
    question, answer = clean_text(question or entry.question, answer)
    return _log(
        entry,
        Kind.PROPOSAL,
        actor,
        state=KnowledgeRevision.State.PENDING,
        question=question,
        answer=answer,
        note=note,
        ticket=ticket,
    )


def revision_apply(*, revision: KnowledgeRevision, actor: User | None) -> KnowledgeEntry:
    if revision.state != KnowledgeRevision.State.PENDING:
        raise KnowledgeError("This revision was already decided.")
    with transaction.atomic():
        entry = revision.entry
        entry_edit(
            entry=entry,
            actor=actor,
            question=revision.question,
            answer=revision.answer,
            note=f"applied the revision proposed by {revision.actor_name}",
        )
        revision.state = KnowledgeRevision.State.APPLIED
        revision.save(update_fields=["state"])
    return entry


def revision_decline(*, revision: KnowledgeRevision, actor: User | None, reason: str) -> None:
    if revision.state != KnowledgeRevision.State.PENDING:
        raise KnowledgeError("This revision was already decided.")
    reason = (reason or "").strip()
    if not reason:
        raise KnowledgeError("Say why the revision is declined.")
    with transaction.atomic():
        revision.state = KnowledgeRevision.State.DECLINED
        revision.note = f"{revision.note} — declined by {_actor_name(actor)}: {reason}"[:300]
        revision.save(update_fields=["state", "note"])
