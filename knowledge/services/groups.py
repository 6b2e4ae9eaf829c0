"""Deciding many proposals at once: a group that says the same thing (``knowledge.clusters``),
or the proposals a curator selected in the queue."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction

from knowledge.models import KnowledgeEntry
from knowledge.services.common import KnowledgeError
from knowledge.services.entries import entry_approve, entry_merge, entry_reject

Status = KnowledgeEntry.Status


def group_approve(
    *, leader: KnowledgeEntry, member_ids: Sequence[int], actor: User | None
) -> tuple[KnowledgeEntry, list[int]]:
    """Approve ``leader`` and merge into it, as its evidence, each member that is still a
    proposal of the same team. Returns the leader and the members merged (a member someone
    decided meanwhile is left as it is)."""
    with transaction.atomic():
        leader = KnowledgeEntry.objects.select_for_update().get(pk=leader.pk)
        if leader.status != Status.PROPOSED:
            raise KnowledgeError(
                f"Entry #{leader.pk} is {leader.get_status_display().lower()} already; "
                "reload to see the groups as they are now."
            )
        members = _still_proposed(leader, member_ids)
        entry_approve(
            entry=leader, actor=actor, note=f"approved with {len(members)} similar proposals"
        )
        for member in members:
            entry_merge(entry=member, into=leader, actor=actor)
    leader.refresh_from_db()
    return leader, [m.pk for m in members]


def group_reject(
    *, leader: KnowledgeEntry, member_ids: Sequence[int], actor: User | None, reason: str
) -> list[int]:
    """Reject ``leader`` and each member still proposed, all with ``reason``."""
    if not (reason or "").strip():
        raise KnowledgeError(
            "Say why these entries are rejected; the reason helps the next curator."
        )
    with transaction.atomic():
        leader = KnowledgeEntry.objects.select_for_update().get(pk=leader.pk)
        if leader.status != Status.PROPOSED:
            raise KnowledgeError(
                f"Entry #{leader.pk} is {leader.get_status_display().lower()} already; "
                "reload to see the groups as they are now."
            )
        entries = [leader, *_still_proposed(leader, member_ids)]
        for entry in entries:
            entry_reject(entry=entry, actor=actor, reason=reason)
    return [e.pk for e in entries]


def _still_proposed(leader: KnowledgeEntry, member_ids: Sequence[int]) -> list[KnowledgeEntry]:
    return list(
        KnowledgeEntry.objects.select_for_update()
        .filter(pk__in=member_ids, status=Status.PROPOSED, team=leader.team)
        .exclude(pk=leader.pk)
        .order_by("pk")
    )


def entries_decide_many(
    *, entry_ids: Sequence[int], action: str, actor: User | None, reason: str = ""
) -> tuple[list[int], list[int]]:
    """Approve (as they are) or reject (with ``reason``) each of ``entry_ids`` still proposed.
    Returns the ids decided and those left alone (decided by someone else meanwhile)."""
    if action not in {"approve", "reject"}:
        raise KnowledgeError(f"Unknown action {action!r}.")
    if action == "reject" and not (reason or "").strip():
        raise KnowledgeError(
            "Say why these entries are rejected; the reason helps the next curator."
        )
    decided: list[int] = []
    with transaction.atomic():
        entries = KnowledgeEntry.objects.select_for_update().filter(
            pk__in=entry_ids, status=Status.PROPOSED
        )
        for entry in entries.order_by("pk"):
            if action == "approve":
                entry_approve(entry=entry, actor=actor, note="approved with others from the queue")
            else:
                entry_reject(entry=entry, actor=actor, reason=reason)
            decided.append(entry.pk)
    return decided, sorted(set(entry_ids) - set(decided))
