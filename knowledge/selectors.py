"""Reads of the knowledge base.

The entry search (``knowledge_search``, and ``_search`` beneath it) is the only place that
narrows knowledge to approved entries in a team's scope: the copilot's ``answer_candidates``,
the curation queue's "nearest entries" and the browse page all go through it.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from pgvector.django import CosineDistance

from ai import embedding
from core import roles
from knowledge import example_index
from knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeSource
from tickets.models import Team
from tickets.selectors import tickets_for_user

AnyUser = User | AnonymousUser
Status = KnowledgeEntry.Status
# How much a full-text match lifts an entry, next to cosine similarity (0..1). Tuned on the
# paraphrase tests: meaning must lead, words break near-ties.
TEXT_WEIGHT = 0.15
POOL = 40  # entries each ranking (meaning, words) hands to the fusion
WORD_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One search result: the entry, its fused score and why it matched."""

    entry: KnowledgeEntry
    score: float
    similarity: float | None = None
    text_rank: float | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)


ALL_TEAMS = "all-teams"
Scope = Team | None | QuerySet | list[Team] | str


def in_scope(team: Scope, *, statuses: Sequence[str] = (Status.APPROVED,)) -> QuerySet:
    """Entries with these statuses that serve ``team``: its own and the all-teams ones.

    ``team`` may also be several teams (a user's teams) or ``ALL_TEAMS`` (managers, admins).
    """
    # The answer's own vector is the copilot's, read through ``example_index``.
    entries = KnowledgeEntry.objects.filter(status__in=statuses).defer("answer_embedding")
    if team == ALL_TEAMS:
        return entries
    if team is None:
        return entries.filter(team__isnull=True)
    if isinstance(team, Team):
        return entries.filter(Q(team__isnull=True) | Q(team=team))
    return entries.filter(Q(team__isnull=True) | Q(team__in=team))


def scope_for_user(user: AnyUser) -> Scope:
    if roles.sees_all_teams(user) or roles.can_curate(user):
        return ALL_TEAMS
    return list(Team.objects.filter(members=user.pk))


def knowledge_search(
    query: str,
    *,
    team: Scope,
    limit: int = 5,
    pool: int = POOL,
    query_vector: Sequence[float] | None = None,
    statuses: Sequence[str] = (Status.APPROVED,),
    exclude_ids: Sequence[int] = (),
) -> list[Hit]:
    """Hybrid search: pgvector cosine (HNSW) and PostgreSQL full text, fused into one score.

    Only ``statuses`` (approved by default) in the team's scope are ever returned. Pass
    ``query_vector`` when the caller already embedded the query.
    """
    hits, _ = _search(
        query,
        team=team,
        limit=limit,
        pool=pool,
        query_vector=query_vector,
        statuses=statuses,
        exclude_ids=exclude_ids,
    )
    return hits


def _search(
    query: str,
    *,
    team: Scope,
    limit: int,
    pool: int,
    query_vector: Sequence[float] | None,
    statuses: Sequence[str],
    exclude_ids: Sequence[int],
    load: Sequence[int] = (),
) -> tuple[list[Hit], dict[int, KnowledgeEntry]]:
    """``knowledge_search``, and the entries ``load`` names (those in scope) read in the
    same query as the hits': by primary key, the hits' own among them."""
    query = (query or "").strip()
    base = in_scope(team, statuses=statuses).exclude(pk__in=list(exclude_ids))
    if not query and query_vector is None:
        return [], _load(base, load)
    if query_vector is None:
        query_vector = embedding.embed([query])[0]
    by_vector = _vector_ranking(base, query_vector, pool)
    by_text = _text_ranking(base, query, pool, also=[pk for pk, _ in by_vector])
    return _fuse(base, query_vector, by_vector, by_text, limit, load)


def _load(base: QuerySet, ids: Sequence[int]) -> dict[int, KnowledgeEntry]:
    """Entries of ``base`` by primary key, with their team; their vectors are not needed by
    those who read them and stay in the database."""
    if not ids:
        return {}
    return base.select_related("team").defer("embedding", "answer_embedding").in_bulk(list(ids))


def _vector_ranking(base: QuerySet, vector: Sequence[float], pool: int) -> list[tuple[int, float]]:
    # No savepoint inside a larger transaction (learning in an import): two statements fewer,
    # and settings made local to a transaction outlive a released savepoint anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Filtered HNSW: keep scanning the graph until enough rows pass the filter. Both
        # settings in one statement (SET LOCAL each took a round trip of its own).
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', true)",
            [str(max(pool, 40))],
        )
        rows = list(
            base.filter(embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", list(vector)))
            .order_by("distance")
            .values_list("pk", "distance")[:pool]
        )
    rows.sort(key=lambda row: row[1])  # relaxed order: results may come slightly out of order
    return [(pk, 1.0 - distance) for pk, distance in rows]


def text_query(text: str, *, every_word: bool = False) -> SearchQuery | None:
    """The words of ``text``, stemmed: any of them, or (``every_word``) all of them."""
    words = {w.lower() for w in WORD_RE.findall(text) if len(w) > 1}
    if not words:
        return None
    raw = (" & " if every_word else " | ").join(sorted(f"'{w}'" for w in words))
    return SearchQuery(raw, search_type="raw", config="english")


def _text_ranking(
    base: QuerySet, text: str, pool: int, *, also: Sequence[int] = ()
) -> list[tuple[int, float]]:
    """Full-text rank of the entries that hold every word, and of the vector candidates
    (``also``) that hold any of them. Ranking every entry that shares one common word would
    cost a scan of most of the table; these two small sets carry the useful signal."""
    any_word, every_word = text_query(text), text_query(text, every_word=True)
    if any_word is None or every_word is None:
        return []
    ranked = list(
        base.filter(search_vector=every_word)
        .annotate(rank=SearchRank(F("search_vector"), any_word, normalization=32))
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:pool]
    )
    seen = {pk for pk, _ in ranked}
    candidates = [pk for pk in also if pk not in seen]
    if candidates:
        # Ranked by primary key, not matched through the GIN index: a rank of 0 means no word
        # is shared, and the planner never wanders into the posting lists of common words.
        ranked += [
            (pk, rank)
            for pk, rank in base.filter(pk__in=candidates)
            .annotate(rank=SearchRank(F("search_vector"), any_word, normalization=32))
            .values_list("pk", "rank")
            if rank > 0
        ]
    ranked.sort(key=lambda row: (-row[1], row[0]))
    return ranked


def _fuse(
    base: QuerySet,
    vector: Sequence[float],
    by_vector: list[tuple[int, float]],
    by_text: list[tuple[int, float]],
    limit: int,
    load: Sequence[int] = (),
) -> tuple[list[Hit], dict[int, KnowledgeEntry]]:
    """Score = cosine similarity + TEXT_WEIGHT x (full-text rank / best rank in this search).

    Meaning leads; shared key words (error codes, product names, commands) lift an entry. An
    entry found only by its words gets its real cosine too, so both signals always count.
    The hits' entries and those ``load`` names are read in one query.
    """
    similarity = dict(by_vector)
    rank = dict(by_text)
    missing = [pk for pk in rank if pk not in similarity]
    if missing:
        extra = base.filter(pk__in=missing).annotate(
            distance=CosineDistance("embedding", list(vector))
        )
        # An entry not embedded yet (imported before embedding, say) has words but no meaning.
        similarity.update(
            {pk: 1.0 - d for pk, d in extra.values_list("pk", "distance") if d is not None}
        )
    best_rank = max(rank.values(), default=0.0) or 1.0
    scores = {
        pk: similarity.get(pk, 0.0) + TEXT_WEIGHT * rank.get(pk, 0.0) / best_rank
        for pk in {*similarity, *rank}
    }
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:limit]
    entries = _load(base, list(dict.fromkeys([*best, *load])))
    hits = []
    for pk in best:
        reasons = [f"similar meaning (cosine {similarity.get(pk, 0.0):.2f})"]
        if pk in rank:
            reasons.append("shares key words")
        hits.append(
            Hit(
                entry=entries[pk],
                score=scores[pk],
                similarity=similarity.get(pk),
                text_rank=rank.get(pk),
                reasons=tuple(reasons),
            )
        )
    return hits, entries


@dataclass(frozen=True)
class Candidate:
    """An approved entry that may answer a question, with every signal retrieval has on it.

    ``closeness`` is the entry's hybrid score (0 when the entry search did not find it);
    ``similarity`` the cosine of the question with the entry (question and answer together; 0
    when the entry search did not find it), ``answer_similarity`` with its answer alone.
    ``vote`` is the share of the question's nearest examples (past questions) that belong to
    this entry, weighted by how close each is, and ``agreeing`` how many of them do;
    ``word_vote`` the same vote by shared rare words.
    ``example_similarity`` and ``word_overlap`` are the entry's closest example by meaning and
    by words; ``examples`` how many past questions it answered.
    """

    entry: KnowledgeEntry
    closeness: float
    similarity: float
    text_rank: float | None
    vote: float
    example_similarity: float
    agreeing: int
    reasons: tuple[str, ...]
    word_vote: float = 0.0
    word_overlap: float = 0.0
    answer_similarity: float = 0.0
    title_match: bool = False
    examples: int = 0
    imported: bool = False
    classifier: float = 0.0  # the team's answer classifier's probability for this entry


@dataclass(frozen=True)
class Retrieval:
    candidates: list[Candidate]
    neighbours: int  # examples that voted
    best_example_similarity: float  # the closest example of any entry
    examples_in_scope: int = 0
    recent: tuple[int, ...] = ()  # the entries of the team's newest examples, newest first


NEIGHBOURS = 10  # nearest examples that vote
VOTE_POWER = 3  # an example's vote: its cosine to the question, cubed
WORD_POOL = 50  # nearest examples whose words are compared with the question's
BY_ANSWER = 3  # entries whose answer is closest to the question, imported ones apart too
BY_CLASSIFIER = 3  # the team classifier's likeliest entries, when at least
CLASSIFIER_FROM = 0.05
RECENT = 10


def answer_candidates(
    query: str,
    *,
    team: Team,
    query_vector: Sequence[float],
    limit: int = 5,
    neighbours: int = NEIGHBOURS,
    context: str | None = None,
) -> Retrieval:
    """Entries that may answer ``query``: the hybrid entry search, a vote of the examples
    nearest to it by meaning and by rare words shared, the entries whose answer is closest to
    it, imported entries whose every title word the question uses, and the entries the team's
    answer classifier finds likeliest for ``context`` (the customer's words so far; the query
    when not given).

    Only approved entries in ``team``'s scope take part. Candidates come best first: by vote,
    then by closeness.
    """
    index = example_index.for_team(team)
    q = example_index.unit(query_vector)
    q_words = example_index.words(query)
    votes: dict[int, float] = defaultdict(float)
    agreeing: Counter[int] = Counter()
    best_example: dict[int, float] = {}
    word_votes: dict[int, float] = defaultdict(float)
    word_best: dict[int, float] = {}
    owners = index.examples.owner
    if len(index.examples):
        sims = index.examples.similarities(q)
        order = [int(i) for i in np.argsort(-sims)[:WORD_POOL] if np.isfinite(sims[i])]
        voters = order[:neighbours]
        weights = [max(float(sims[i]), 0.0) ** VOTE_POWER for i in voters]
        total = sum(weights) or 1.0
        for i, weight in zip(voters, weights, strict=True):
            votes[owners[i]] += weight / total
            agreeing[owners[i]] += 1
        overlaps = []
        for i in order:
            owner = owners[i]
            best_example[owner] = max(best_example.get(owner, -1.0), float(sims[i]))
            overlap = index.overlap(q_words, index.example_words[i])
            word_best[owner] = max(word_best.get(owner, 0.0), overlap)
            overlaps.append((overlap, owner))
        overlaps.sort(key=lambda item: -item[0])
        word_total = sum(o for o, _ in overlaps[:neighbours]) or 1.0
        for overlap, owner in overlaps[:neighbours]:
            if overlap > 0:
                word_votes[owner] += overlap / word_total
    else:
        voters = []
    answer_sims = index.entries.similarities(q)
    ranked = [int(i) for i in np.argsort(-answer_sims) if np.isfinite(answer_sims[i])]
    by_answer = [index.entries.owner[i] for i in ranked[:BY_ANSWER]]
    by_answer += [pk for pk in (index.entries.owner[i] for i in ranked) if pk in index.imported][
        :BY_ANSWER
    ]
    titled = [pk for pk, title in index.title_words.items() if title and title <= q_words]
    classified = index.answer_probabilities(context if context is not None else query)
    by_classifier = [
        pk
        for pk in sorted(classified, key=lambda pk: -classified[pk])[:BY_CLASSIFIER]
        if classified[pk] >= CLASSIFIER_FROM
    ]
    others = list(
        dict.fromkeys(
            [
                *sorted(votes, key=lambda pk: -votes[pk]),
                *sorted(word_votes, key=lambda pk: -word_votes[pk]),
                *by_answer,
                *titled,
                *by_classifier,
            ]
        )
    )
    # The entry search, and the other candidates' entries read with its hits'.
    hits, extra = _search(
        query,
        team=team,
        limit=limit,
        pool=POOL,
        query_vector=query_vector,
        statuses=(Status.APPROVED,),
        exclude_ids=(),
        load=others,
    )
    by_hit = {hit.entry.pk: hit for hit in hits}
    wanted = list(dict.fromkeys([*others, *by_hit]))
    candidates = []
    for pk in wanted:
        hit = by_hit.get(pk)
        entry = hit.entry if hit else extra.get(pk)
        if entry is None or pk not in index.entry_row:
            continue
        answer_similarity = float(answer_sims[index.entry_row[pk]])
        reasons = (
            list(hit.reasons)
            if hit
            else [f"its answer fits the question (cosine {answer_similarity:.2f})"]
        )
        if pk in votes:
            reasons.append(f"{agreeing[pk]} of {len(voters)} nearest past questions ended here")
        if pk in titled:
            reasons.append("the question names its subject")
        if classified.get(pk, 0.0) >= CLASSIFIER_FROM:
            reasons.append(
                f"the team's past questions worded like this ended here "
                f"{classified[pk]:.0%} of the time"
            )
        candidates.append(
            Candidate(
                entry=entry,
                closeness=hit.score if hit else 0.0,
                similarity=(hit.similarity or 0.0) if hit else 0.0,
                text_rank=hit.text_rank if hit else None,
                vote=votes.get(pk, 0.0),
                example_similarity=max(best_example.get(pk, 0.0), 0.0),
                agreeing=agreeing.get(pk, 0),
                reasons=tuple(reasons),
                word_vote=word_votes.get(pk, 0.0),
                word_overlap=word_best.get(pk, 0.0),
                answer_similarity=answer_similarity,
                title_match=pk in titled,
                examples=index.examples_of.get(pk, 0),
                imported=pk in index.imported,
                classifier=classified.get(pk, 0.0),
            )
        )
    candidates.sort(key=lambda c: (-c.vote, -c.closeness, c.entry.pk))
    return Retrieval(
        candidates=candidates,
        neighbours=len(voters),
        best_example_similarity=max(best_example.values(), default=0.0),
        examples_in_scope=index.example_count,
        recent=tuple(index.recent_entries(RECENT)),
    )


def nearest_entries(
    entry: KnowledgeEntry, *, limit: int = 3, statuses: Sequence[str] = (Status.APPROVED,)
) -> list[Hit]:
    """Entries closest to ``entry`` in its scope (for dedup and the curator's side-by-side)."""
    vector = list(entry.embedding) if entry.embedding is not None else None
    return knowledge_search(
        f"{entry.question}\n{entry.answer}" if vector is None else entry.question,
        team=entry.team,
        limit=limit,
        query_vector=vector,
        statuses=statuses,
        exclude_ids=[entry.pk],
    )


def filter_entries(entries: QuerySet, *, team: str = "", source: str = "") -> QuerySet:
    """A page's filters: ``team`` is a team's slug or "all" (the all-teams entries)."""
    if team == "all":
        entries = entries.filter(team__isnull=True)
    elif team:
        entries = entries.filter(team__slug=team)
    if source in KnowledgeEntry.Source.values:
        entries = entries.filter(source=source)
    return entries


CURATION_SORTS = {"oldest": "Oldest first", "evidence": "Most evidence first"}


def curation_queue(
    *, team: str = "", source: str = "", flagged: bool = False, sort: str = "oldest"
) -> QuerySet:
    """Proposed entries (and approved ones flagged for review), oldest first, or those that
    most resolved tickets support first."""
    entries = KnowledgeEntry.objects.select_related("team", "related_entry")
    if flagged:
        entries = entries.filter(flagged=True, status__in=[Status.PROPOSED, Status.APPROVED])
    else:
        entries = entries.filter(status=Status.PROPOSED)
    order = ("-evidence_count", "created_at", "pk") if sort == "evidence" else ("created_at", "pk")
    return filter_entries(entries, team=team, source=source).order_by(*order)


def pending_revisions(*, team: str = "") -> QuerySet:
    revisions = KnowledgeRevision.objects.filter(
        kind=KnowledgeRevision.Kind.PROPOSAL, state=KnowledgeRevision.State.PENDING
    ).select_related("entry", "entry__team", "ticket", "actor")
    if team == "all":
        revisions = revisions.filter(entry__team__isnull=True)
    elif team:
        revisions = revisions.filter(entry__team__slug=team)
    return revisions.order_by("created_at", "pk")


def entries_for_user(
    user: AnyUser, *, status: str = Status.APPROVED, team: str = "", source: str = "", q: str = ""
) -> QuerySet:
    """The knowledge list: entries with ``status`` in the user's scope, page filters and text.

    Only curators may ask for a status other than approved; callers refuse the others first.
    """
    entries = KnowledgeEntry.objects.select_related("team").filter(status=status)
    entries = filter_entries(entries, team=team, source=source)
    entries = entries.filter(pk__in=in_scope(scope_for_user(user), statuses=[status]))
    if q:
        entries = entries.filter(Q(question__icontains=q) | Q(answer__icontains=q))
    return entries.order_by("-updated_at", "-pk")


def entry_get_for_user(user: AnyUser, entry_id: int) -> KnowledgeEntry | None:
    """The one way a page, a fragment or the API loads an entry by id.

    Curators see every entry; everyone else approved entries in their teams' scope (their
    teams' and the all-teams ones). None: no such entry, or not one this user may see.
    """
    statuses = Status.values if roles.can_curate(user) else [Status.APPROVED]
    entries = in_scope(scope_for_user(user), statuses=statuses)
    return entries.select_related("team", "related_entry").filter(pk=entry_id).first()


def entry_sources_for_user(user: AnyUser, entry: KnowledgeEntry) -> QuerySet[KnowledgeSource]:
    """The messages ``entry`` was learned from that ``user`` may read: those of tickets in
    their teams (every team for managers and admins). A curator judges every team's entries,
    but a customer's words stay with the teams that may open the ticket."""
    sources = entry.sources.select_related("message", "ticket").order_by("ticket_id", "pk")
    return sources.filter(ticket__in=tickets_for_user(user))


def entry_sources_elsewhere(user: AnyUser, entry: KnowledgeEntry) -> int:
    """How many of ``entry``'s source messages are in tickets ``user`` may not open."""
    return entry.sources.exclude(ticket__in=tickets_for_user(user)).count()
