"""A team's approved knowledge kept in memory for the copilot: every entry's answer vector and
every example (a past question the entry answered) with its vector and words.

Retrieval compares each customer message with all of a team's examples. Doing that with one
index query per message, for every message of every ticket, costs more than the comparison
itself; a few thousand vectors fit in a few megabytes. So each process keeps one ``ScopeIndex``
per team, checked on every use with a single aggregate query (how many entries are in scope,
and when any of them last changed) and brought up to date with what changed since: new and
changed entries, and the examples added to them. Anything else (an entry deleted) rebuilds it.

Entries without an answer vector (new, or edited, or re-embedded with another model) get one
here, stored through ``services.answer_vectors_fill`` so that the next process finds it.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from django.db.models import Count, Max, Q, QuerySet

from ai import embedding, text_classifier
from knowledge.extraction.text import content_words
from knowledge.models import EMBEDDING_DIMENSIONS, KnowledgeEntry, KnowledgeExample
from knowledge.redaction import URL_RE
from tickets.models import Team

Status = KnowledgeEntry.Status
# The team's answer classifier is fitted again once its examples changed by this share (at
# least one): after every new example while a team's history is small, less often later.
REFIT_SHARE = 0.05
# Changes are read again from a little before the newest one seen: a transaction that commits
# after a later one (whose change time is newer) is not missed.
OVERLAP = dt.timedelta(seconds=10)
DIMENSIONS = EMBEDDING_DIMENSIONS


def words(text: str) -> frozenset[str]:
    """The words that carry meaning, links left out (a link is compared as a link)."""
    return content_words(URL_RE.sub(" ", text))


class _Rows:
    """Vectors in a growing buffer, with an owner per row and rows that can be switched off."""

    def __init__(self) -> None:
        self.vectors = np.zeros((256, DIMENSIONS), dtype=np.float32)
        self.owner: list[int] = []
        self.active = np.zeros(256, dtype=bool)

    def __len__(self) -> int:
        return len(self.owner)

    def add(self, owner: int, vector: Sequence[float] | np.ndarray) -> int:
        row = len(self.owner)
        if row == len(self.vectors):
            self.vectors = np.vstack([self.vectors, np.zeros_like(self.vectors)])
            self.active = np.concatenate([self.active, np.zeros_like(self.active)])
        self.vectors[row] = unit(vector)
        self.active[row] = True
        self.owner.append(owner)
        return row

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine of ``query`` with every row; switched-off rows get -inf."""
        n = len(self.owner)
        sims = self.vectors[:n] @ query
        sims[~self.active[:n]] = -np.inf
        return sims


@dataclass
class ScopeIndex:
    """One team's approved entries and their examples (see the module's note)."""

    team_id: int
    signature: tuple[int, dt.datetime | None] = (0, None)
    entries: _Rows = field(default_factory=_Rows)  # one row per entry: its answer vector
    examples: _Rows = field(default_factory=_Rows)  # one row per example: its vector
    entry_row: dict[int, int] = field(default_factory=dict)
    example_words: list[frozenset[str]] = field(default_factory=list)
    example_pks: set[int] = field(default_factory=set)
    examples_of: Counter[int] = field(default_factory=Counter)
    imported: set[int] = field(default_factory=set)
    title_words: dict[int, frozenset[str]] = field(default_factory=dict)
    document_frequency: Counter[str] = field(default_factory=Counter)
    example_texts: list[str] = field(default_factory=list)
    from_tickets: list[bool] = field(default_factory=list)  # learned from a resolved ticket
    # Examples added or switched on or off since the classifier was fitted.
    changes: int = 0
    classifier: text_classifier.TextClassifier | None = None
    classifier_fitted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def example_count(self) -> int:
        return sum(self.examples_of.values())

    def idf(self, word: str) -> float:
        return math.log((len(self.example_words) + 1) / (self.document_frequency[word] + 0.5))

    def overlap(self, query_words: frozenset[str], other: frozenset[str]) -> float:
        """Cosine of two word sets, each word weighted by how rare it is in this team's
        examples: sharing "refund" says more than sharing "account"."""
        common = query_words & other
        if not common:
            return 0.0
        shared = sum(self.idf(w) for w in common)
        return shared / math.sqrt(
            sum(self.idf(w) for w in query_words) * sum(self.idf(w) for w in other)
        )

    def recent_entries(self, count: int) -> list[int]:
        """The entries of the team's newest ``count`` active examples, newest first."""
        found = []
        for row in range(len(self.examples) - 1, -1, -1):
            if self.examples.active[row]:
                found.append(self.examples.owner[row])
                if len(found) == count:
                    break
        return found

    def answer_classifier(self) -> text_classifier.TextClassifier | None:
        """The team's classifier of questions by the entry that answered them (see
        ``ai.text_classifier``), fitted on the active examples that came from resolved tickets;
        None while there are too few."""
        with self.lock:
            fitted_on = self.classifier.examples if self.classifier else 0
            if self.classifier_fitted and self.changes < max(1, REFIT_SHARE * fitted_on):
                return self.classifier
            # The team's history: questions of resolved tickets, not entries' own wording.
            active = [
                row
                for row in range(len(self.examples))
                if self.examples.active[row] and self.from_tickets[row]
            ]
            self.classifier = text_classifier.fit(
                [self.example_texts[row] for row in active],
                [self.examples.owner[row] for row in active],
            )
            self.classifier_fitted, self.changes = True, 0
            return self.classifier

    def answer_probabilities(self, text: str) -> dict[int, float]:
        """The classifier's probability for each active entry that ``text`` asks for it."""
        classifier = self.answer_classifier()
        if classifier is None or not text.strip():
            return {}
        found = classifier.probabilities(text)
        return {
            pk: p
            for pk, p in found.items()
            if pk in self.entry_row and self.entries.active[self.entry_row[pk]]
        }

    # Keeping up with the database.

    def refresh(self) -> None:
        signature = _signature(self.team_id)
        if signature == self.signature:
            return
        approved = signature[0]
        known_changed_at = self.signature[1]
        changed = _scope(self.team_id, all_statuses=True)
        if known_changed_at is not None:
            changed = changed.filter(updated_at__gte=known_changed_at - OVERLAP)
        self._apply(list(changed.values_list("pk", "status", "source", "question", "answer")))
        if len(self.entry_row) - self._inactive_entries() != approved:
            self._reset()  # something left without a trace (deleted): start over
            self._apply(
                list(
                    _scope(self.team_id, all_statuses=True).values_list(
                        "pk", "status", "source", "question", "answer"
                    )
                )
            )
        self.signature = signature

    def _inactive_entries(self) -> int:
        return int(len(self.entry_row) - self.entries.active[: len(self.entries)].sum())

    def _reset(self) -> None:
        """Empty again, keeping the lock other threads may hold or wait on."""
        fresh = ScopeIndex(self.team_id, lock=self.lock)
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(fresh, name))

    def _apply(self, rows: list[tuple[int, str, str, str, str]]) -> None:
        approved = [row for row in rows if row[1] == Status.APPROVED]
        for pk, status, *_ in rows:
            if status != Status.APPROVED and pk in self.entry_row:
                self._switch(pk, on=False)
        vectors = _answer_vectors([pk for pk, *_ in approved])
        for pk, _status, source, question, _answer in approved:
            if pk in self.entry_row:
                row = self.entry_row[pk]
                self.entries.vectors[row] = unit(vectors[pk])
                if not self.entries.active[row]:
                    self._switch(pk, on=True)
            else:
                self.entry_row[pk] = self.entries.add(pk, vectors[pk])
            if source != KnowledgeEntry.Source.LEARNED:
                self.imported.add(pk)
                self.title_words[pk] = words(question)
        self._add_examples([pk for pk, *_ in approved])

    def _switch(self, pk: int, *, on: bool) -> None:
        self.entries.active[self.entry_row[pk]] = on
        self.changes += self.examples_of.get(pk, 0) or 1
        for row, owner in enumerate(self.examples.owner):
            if owner == pk:
                self.examples.active[row] = on
        if not on:
            self.examples_of.pop(pk, None)
            self.imported.discard(pk)
            self.title_words.pop(pk, None)
        else:
            self.examples_of[pk] = sum(
                1
                for row, owner in enumerate(self.examples.owner)
                if owner == pk and self.examples.active[row]
            )

    def _add_examples(self, entry_ids: list[int]) -> None:
        if not entry_ids:
            return
        of_entries = KnowledgeExample.objects.filter(entry_id__in=entry_ids)
        new = [pk for pk in of_entries.values_list("pk", flat=True) if pk not in self.example_pks]
        if not new:
            return
        examples = (
            KnowledgeExample.objects.filter(pk__in=new)
            .order_by("pk")
            .values_list("pk", "entry_id", "text", "embedding", "ticket_id")
        )
        for pk, entry_id, text, vector, ticket_id in examples:
            self.examples.add(entry_id, vector)
            found = words(text)
            self.example_words.append(found)
            self.example_texts.append(text)
            self.from_tickets.append(ticket_id is not None)
            self.changes += 1
            self.document_frequency.update(found)
            self.example_pks.add(pk)
            self.examples_of[entry_id] += 1


def unit(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


def _scope(team_id: int, *, all_statuses: bool = False) -> QuerySet[KnowledgeEntry]:
    entries = KnowledgeEntry.objects.filter(Q(team__isnull=True) | Q(team_id=team_id))
    return entries if all_statuses else entries.filter(status=Status.APPROVED)


def _signature(team_id: int) -> tuple[int, dt.datetime | None]:
    found = _scope(team_id, all_statuses=True).aggregate(
        approved=Count("pk", filter=Q(status=Status.APPROVED)), changed=Max("updated_at")
    )
    return found["approved"], found["changed"]


def _answer_vectors(entry_ids: list[int]) -> dict[int, np.ndarray]:
    """Each entry's answer vector, embedding (and storing) those not embedded yet."""
    from knowledge.services.entries import answer_vectors_fill

    model = embedding.embedding_model_name()
    stored = KnowledgeEntry.objects.filter(pk__in=entry_ids).values_list(
        "pk", "answer_embedding", "answer_embedding_model"
    )
    vectors = {pk: vector for pk, vector, name in stored if vector is not None and name == model}
    missing = [pk for pk in entry_ids if pk not in vectors]
    if missing:
        vectors.update(answer_vectors_fill(missing))
    return {pk: np.asarray(vector, dtype=np.float32) for pk, vector in vectors.items()}


_indexes: dict[int, ScopeIndex] = {}
_indexes_lock = threading.Lock()


def for_team(team: Team) -> ScopeIndex:
    """``team``'s index, up to date with the database."""
    with _indexes_lock:
        index = _indexes.setdefault(team.pk, ScopeIndex(team.pk))
    with index.lock:
        index.refresh()
    return index


def forget() -> None:
    """Drop every index of this process (tests, and after a bulk change)."""
    with _indexes_lock:
        _indexes.clear()
