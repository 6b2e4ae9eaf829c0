"""The replay's report: what the copilot did, and — where the input links answers to questions —
how right it was, with the precision-coverage curve over thresholds."""

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from replay.runner import ConversationResult, MessageResult
from replay.similarity import token_f1

WORD_RE = re.compile(r"\w+")
NUMBERS_RE = re.compile(r"\s*\(.*\)\s*$")
# A suggestion "resembles" the human answer when their meanings are this close (cosine of
# sentence embeddings) or they share this much wording (token F1).
RESEMBLES_COSINE = 0.6
RESEMBLES_F1 = 0.3
# A threshold must keep at least this many suggestions to be recommended: precision measured
# on a handful of suggestions is noise.
MIN_SPOKEN_FOR_TARGET = 10
MAX_CURVE_POINTS = 60
MAX_EXAMPLES = 12

Embedder = Callable[[list[str]], list[list[float]]]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def percentile(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = pct / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def reason_group(reason: str) -> str:
    """'no knowledge above threshold (0.41 < 0.6)' → 'no knowledge above threshold'."""
    return NUMBERS_RE.sub("", reason) or "unknown"


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def build_report(
    conversations: Sequence[ConversationResult],
    *,
    options: dict[str, Any],
    skipped: Sequence[str],
    elapsed_s: float,
    target_precision: float,
    embed: Embedder | None = None,
) -> dict[str, Any]:
    messages = [m for c in conversations for m in c.messages]
    learned = [entry for c in conversations for entry in c.learned]
    spoken = [m for m in messages if m.spoke]
    learned_ids = {entry.id for entry in learned}
    latencies = [m.latency_ms for m in messages]
    calls = sum(m.llm_calls for m in messages)
    used_tokens = sum(m.tokens for m in messages)
    statuses = Counter(entry.status for entry in learned)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    report: dict[str, Any] = {
        "options": options,
        "conversations": len(conversations),
        "skipped_lines": [_skipped(line) for line in skipped],
        "customer_messages": len(messages),
        "spoke": len(spoken),
        "speak_rate": _ratio(len(spoken), len(messages)),
        "kinds": dict(Counter(m.kind for m in spoken)),
        "silence_reasons": Counter(
            reason_group(m.reason) for m in messages if not m.spoke
        ).most_common(),
        "learned": {
            "entries": len(learned),
            "new": statuses["approved"] + statuses["proposed"],
            "merged": statuses["merged"],
            "rejected": statuses["rejected"],
            "approved": statuses["approved"],
            "proposed": statuses["proposed"],
        },
        "suggestions_citing_learned": sum(
            1 for m in spoken if any(c in learned_ids for c in m.citations)
        ),
        "latency_ms": {
            "p50": None if p50 is None else round(p50, 2),
            "p95": None if p95 is None else round(p95, 2),
        },
        "llm": {
            "calls": calls,
            "tokens": used_tokens,
            "calls_per_message": _ratio(calls, len(messages)) or 0.0,
            "tokens_per_message": _ratio(used_tokens, len(messages)) or 0.0,
        },
        "elapsed_s": round(elapsed_s, 2),
        "messages_per_s": round(len(messages) / elapsed_s, 1) if elapsed_s > 0 else None,
        "learning_over_time": learning_over_time(conversations),
        "anticipated": anticipated(conversations),
        "doc_hits": doc_hits(conversations),
        "teams": by_team(conversations),
        "ground_truth": None,
        "examples": [],
    }
    judged = [m for m in messages if m.answerable is not None]
    similarity: dict[int, tuple[float, float | None]] = {}
    if judged:
        similarity = similarities(judged, embed)
        report["ground_truth"] = ground_truth(judged, similarity, target_precision)
    report["examples"] = examples(spoken, similarity)
    return report


def anticipated(conversations: Sequence[ConversationResult]) -> dict[str, Any]:
    """Answer suggestions the agent went on to give, the conversations where that happened,
    and how many minutes ahead of the agent they were (where messages carry times)."""
    answers = [
        m for c in conversations for m in c.messages if m.spoke and m.anticipated is not None
    ]
    ahead = [m for m in answers if m.anticipated]
    minutes = [m.minutes_ahead for m in ahead if m.minutes_ahead is not None]
    median, p90 = percentile(minutes, 50), percentile(minutes, 90)
    return {
        "suggestions": len(answers),
        "anticipated": len(ahead),
        "share": _ratio(len(ahead), len(answers)),
        "conversations": len({m.conversation for m in ahead}),
        "conversation_share": _ratio(len({m.conversation for m in ahead}), len(conversations)),
        "timed": len(minutes),
        "minutes_ahead_median": None if median is None else round(median, 1),
        "minutes_ahead_p90": None if p90 is None else round(p90, 1),
    }


def doc_hits(conversations: Sequence[ConversationResult]) -> dict[str, Any]:
    """Where the support side sent links: answer suggestions holding a page they later sent."""
    linked = [c for c in conversations if c.links_sent]
    answers = [m for c in linked for m in c.messages if m.doc_hit is not None]
    hit = {m.conversation for m in answers if m.doc_hit}
    return {
        "conversations_with_links": len(linked),
        "suggestions": len(answers),
        "hits": sum(1 for m in answers if m.doc_hit),
        "share": _ratio(sum(1 for m in answers if m.doc_hit), len(answers)),
        "conversations": len(hit),
        "conversation_share": _ratio(len(hit), len(linked)),
    }


def by_team(conversations: Sequence[ConversationResult]) -> list[dict[str, Any]]:
    """Conversations, customer messages and suggestions per team, most messages first; empty
    when every conversation was in one team."""
    teams = sorted({c.team for c in conversations})
    if len(teams) < 2:
        return []
    rows = [_team_row(team, [c for c in conversations if c.team == team]) for team in teams]
    return sorted(rows, key=lambda row: -row["customer_messages"])


def _team_row(team: str, conversations: list[ConversationResult]) -> dict[str, Any]:
    messages = [m for c in conversations for m in c.messages]
    spoken = [m for m in messages if m.spoke]
    return {
        "team": team,
        "conversations": len(conversations),
        "customer_messages": len(messages),
        "spoke": len(spoken),
        "anticipated": sum(1 for m in spoken if m.anticipated),
    }


def _skipped(line: str) -> dict[str, Any]:
    match = re.match(r"line (\d+): (.*)", line)
    if match:
        return {"line": int(match.group(1)), "message": match.group(2)}
    return {"line": None, "message": line}


def learning_over_time(conversations: Sequence[ConversationResult]) -> list[dict[str, int]]:
    points, learned, approved = [], 0, 0
    step = max(1, math.ceil(len(conversations) / 100))
    for done, result in enumerate(conversations, start=1):
        learned += sum(1 for e in result.learned if e.status in {"approved", "proposed"})
        approved += sum(1 for e in result.learned if e.status == "approved")
        if done % step == 0 or done == len(conversations):
            points.append({"conversations": done, "learned": learned, "approved": approved})
    return points


def similarities(
    judged: Sequence[MessageResult], embed: Embedder | None
) -> dict[int, tuple[float, float | None]]:
    """id(message result) → (token F1, cosine) against the human answer, for spoken answers
    to messages a human answered."""
    pairs = [m for m in judged if m.spoke and m.text and m.human_answer]
    vectors: list[list[float]] = []
    if embed is not None and pairs:
        texts = [t for m in pairs for t in (m.text or "", m.human_answer or "")]
        vectors = embed(texts)
    found = {}
    for i, m in enumerate(pairs):
        f1 = token_f1(m.text or "", m.human_answer or "")
        cos = cosine(vectors[2 * i], vectors[2 * i + 1]) if vectors else None
        found[id(m)] = (f1, cos)
    return found


def resembles(f1: float, cos: float | None) -> bool:
    return f1 >= RESEMBLES_F1 or (cos is not None and cos >= RESEMBLES_COSINE)


def ground_truth(
    judged: Sequence[MessageResult],
    similarity: dict[int, tuple[float, float | None]],
    target_precision: float,
) -> dict[str, Any]:
    spoken = [m for m in judged if m.spoke]
    answerable = sum(1 for m in judged if m.answerable)
    right = sum(1 for m in spoken if m.answerable)
    compared = list(similarity.values())
    cosines = [c for _, c in compared if c is not None]
    answers = [m for m in spoken if m.kind == "answer"]
    resembling = sum(1 for m in answers if resembles(*similarity.get(id(m), (0.0, None))))
    points = curve(judged)
    chosen = next(
        (
            p
            for p in points
            if p["precision"] is not None
            and p["precision"] >= target_precision
            and p["spoken"] >= MIN_SPOKEN_FOR_TARGET
        ),
        None,
    )
    return {
        "judged_messages": len(judged),
        "answerable": answerable,
        "true_positives": right,
        "precision": _ratio(right, len(spoken)),
        "recall": _ratio(right, answerable),
        "similarity": {
            "compared": len(compared),
            "token_f1": _ratio(sum(f for f, _ in compared), len(compared)),
            "cosine": _ratio(sum(cosines), len(cosines)),
            "resembling": _ratio(resembling, len(answers)),
            "resembling_count": resembling,
        },
        "curve": points,
        "target_precision": target_precision,
        "min_spoken_for_target": MIN_SPOKEN_FOR_TARGET,
        "threshold_for_target": chosen["threshold"] if chosen else None,
    }


def curve(judged: Sequence[MessageResult]) -> list[dict[str, Any]]:
    """Precision, recall and coverage if the threshold had been t, for t over the scores seen.

    Runs silenced before the threshold mattered (the gate, dedup...) stay silent at every t;
    runs that spoke without a score (status updates) speak at every t.
    """
    bound = sorted(
        (m.score, bool(m.answerable)) for m in judged if m.threshold_bound and m.score is not None
    )
    fixed = [m for m in judged if m.spoke and not m.threshold_bound]
    fixed_right = sum(1 for m in fixed if m.answerable)
    answerable = sum(1 for m in judged if m.answerable)
    if not bound:
        return []
    low, high = math.floor(bound[0][0] * 100), math.ceil(bound[-1][0] * 100)
    step = max(1, math.ceil((high - low) / MAX_CURVE_POINTS))
    points = []
    for hundredths in range(low, high + 1, step):
        threshold = hundredths / 100
        kept = [right for score, right in bound if score >= threshold]
        shown = len(kept) + len(fixed)
        right = sum(kept) + fixed_right
        points.append(
            {
                "threshold": threshold,
                "spoken": shown,
                "coverage": _ratio(shown, len(judged)) or 0.0,
                "precision": _ratio(right, shown),
                "recall": _ratio(right, answerable),
            }
        )
    return points


def examples(
    spoken: Sequence[MessageResult], similarity: dict[int, tuple[float, float | None]]
) -> list[dict[str, Any]]:
    """A few suggestions beside what the human answered: the closest hits and the clearest
    misses (spoke where no human answer followed, highest score first). Where the recording
    does not link answers to questions, those the agent went on to send (their page, their
    words) and those they did not, beside what the support side said next."""

    def closeness(m: MessageResult) -> float:
        f1, cos = similarity.get(id(m), (0.0, None))
        return max(f1, cos or 0.0)

    def by_score(m: MessageResult) -> float:
        return -(m.score or 0.0)

    if any(m.answerable is not None for m in spoken):
        hits = sorted((m for m in spoken if m.answerable), key=closeness, reverse=True)
        misses = sorted((m for m in spoken if m.answerable is False), key=by_score)
    elif any(m.anticipated is not None for m in spoken):
        hits = sorted((m for m in spoken if m.anticipated), key=by_score)
        misses = sorted((m for m in spoken if m.anticipated is False), key=by_score)
    else:
        return [_example(m, similarity) for m in spoken[:MAX_EXAMPLES]]  # nothing to judge by
    half = MAX_EXAMPLES // 2
    chosen = hits[:half] + misses[: MAX_EXAMPLES - min(half, len(hits))]
    return [_example(m, similarity) for m in chosen[:MAX_EXAMPLES]]


def _example(m: MessageResult, similarity: dict[int, tuple[float, float | None]]) -> dict[str, Any]:
    f1, cos = similarity.get(id(m), (None, None))
    return {
        "conversation": m.conversation,
        "message": m.message,
        "question": m.question[:600],
        "suggestion": (m.text or "")[:1200],
        "human_answer": (m.human_answer or "")[:1200] or None,
        "support_after": (m.support_after or "")[:1200] or None,
        "anticipated": m.anticipated,
        "score": None if m.score is None else round(m.score, 4),
        "correct": m.answerable,
        "token_f1": None if f1 is None else round(f1, 3),
        "cosine": None if cos is None else round(cos, 3),
        "citations": m.citations,
    }
