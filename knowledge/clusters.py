"""Proposals that say the same thing, grouped so that a curator decides each group once.

An imported history proposes hundreds of entries at once, many of them the same question
answered the same way in different tickets. Each group has a leader, the proposal with the
most evidence, and members that are each close to the leader (by the entry's vector: its
question and answer together), within one team. Approving a group approves the leader and
merges the members into it as its evidence; rejecting it rejects all of them.
"""

from dataclasses import dataclass

import numpy as np

from knowledge.models import KnowledgeEntry
from knowledge.selectors import curation_queue

# Cosine between two proposals' vectors from which they are one answer. On the IRC history's
# proposals, pairs from 0.75 up read as the same question answered the same way ("install
# Opera on 8.10", "remove old kernels"); below, as neighbours. Learning has already folded the
# closest together as evidence, so few remain (docs/benchmarks.md).
GROUP_FROM = 0.8
# The proposals grouped at most, oldest first: enough for a big import, bounded in memory.
MAX_PROPOSALS = 5000


@dataclass(frozen=True)
class Group:
    leader: KnowledgeEntry
    members: tuple[KnowledgeEntry, ...]

    @property
    def size(self) -> int:
        return 1 + len(self.members)

    @property
    def evidence(self) -> int:
        return self.leader.evidence_count + sum(m.evidence_count for m in self.members)


def proposal_groups(*, team: str = "", source: str = "") -> list[Group]:
    """Groups of two or more proposals, the largest first."""
    proposals = [
        entry
        for entry in curation_queue(team=team, source=source)[:MAX_PROPOSALS]
        if entry.embedding is not None
    ]
    by_team: dict[int | None, list[KnowledgeEntry]] = {}
    for entry in proposals:
        by_team.setdefault(entry.team_id, []).append(entry)
    groups = [group for entries in by_team.values() for group in _group(entries)]
    return sorted(groups, key=lambda g: (-g.size, -g.evidence, g.leader.pk))


def _group(entries: list[KnowledgeEntry]) -> list[Group]:
    """Leader grouping: by evidence, most first, each proposal joins the first leader it is
    close to, or leads a group of its own."""
    entries = sorted(entries, key=lambda e: (-e.evidence_count, e.pk))
    vectors = np.array([e.embedding for e in entries], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    leaders: list[int] = []
    members: dict[int, list[int]] = {}
    for i in range(len(entries)):
        if leaders:
            similarities = vectors[leaders] @ vectors[i]
            best = int(np.argmax(similarities))
            if similarities[best] >= GROUP_FROM:
                members[leaders[best]].append(i)
                continue
        leaders.append(i)
        members[i] = []
    return [
        Group(leader=entries[i], members=tuple(entries[j] for j in members[i]))
        for i in leaders
        if members[i]
    ]


def ungrouped_count(groups: list[Group], proposed: int) -> int:
    """Proposals no group holds: each still a decision of its own."""
    return proposed - sum(group.size for group in groups)
