"""How far the copilot's recorded candidates are from the copilot-quality targets, and why.

    .venv/bin/python bench/quality_ceiling.py links CONVERSATIONS.jsonl RESULTS.jsonl [--from 300]
    .venv/bin/python bench/quality_ceiling.py factoids CONVERSATIONS.jsonl RESULTS.jsonl \\
        --knowledge KNOWLEDGE.jsonl [--from 1801]

RESULTS is a replay's ``--out`` file (made with ``--learn``), whose decisions record every
candidate the copilot weighed, its probability and whether it was the answer support gave.
Only conversations from index N on (file order = time order) are counted.

``links`` (a history whose conversations each end with the article that resolved them, with
``team`` and ``resolving_url``) counts, per conversation, whether that article could be known
at all (an earlier conversation of the same team sent it), whether the copilot weighed it,
and whether it was the copilot's first answer; then the naive baseline the issue measured
(TF-IDF over the customer text of the team's earlier conversations, the ten nearest voting
for the article each ended with by their similarity, spoken when the winner holds a share of
the vote) on the same conversations, how often the two are right together, and both curves.

``factoids`` (a history of helpers answering with ``!name`` calls, and the knowledge base of
those factoids) counts the turns a helper answered with a factoid in the knowledge base, by
where the factoid's name was (the customer's message, only earlier in the conversation, or
nowhere) and by what the copilot did (the factoid first, weighed but not first, not weighed,
nothing weighed).
"""

import argparse
import collections
import json
import re
from collections.abc import Iterable

from irc_scores import _lines, answered

NEIGHBOURS = 10


def _rows(path: str) -> list[dict]:
    return [json.loads(line) for line in _lines(path)]


def _decisions(results: list[dict]) -> list[dict]:
    return [r for r in results if r.get("type", "decision") == "decision"]


def _customer_text(conversation: dict) -> str:
    return " ".join(m["text"] for m in conversation["messages"] if m["role"] == "customer")


def baseline(conversations: list[dict], start: int) -> dict[str, tuple[str, float]]:
    """The issue's naive baseline: conversation id → (its article, the article's vote share)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    found = {}
    for index in range(start, len(conversations)):
        conversation = conversations[index]
        earlier = [c for c in conversations[:index] if c["team"] == conversation["team"]]
        if not earlier:
            continue
        texts = [_customer_text(c) for c in earlier]
        query = _customer_text(conversation)
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
        vectorizer.fit([*texts, query])
        similarity = (vectorizer.transform(texts) @ vectorizer.transform([query]).T).toarray()
        nearest = sorted(range(len(earlier)), key=lambda i: -similarity[i, 0])[:NEIGHBOURS]
        votes: collections.Counter[str] = collections.Counter()
        for i in nearest:
            votes[earlier[i]["resolving_url"]] += float(similarity[i, 0])
        url, weight = votes.most_common(1)[0]
        found[conversation["id"]] = (url, weight / (sum(votes.values()) or 1.0))
    return found


def _first_answers(decisions: list[dict]) -> dict[str, dict]:
    """Per conversation, the copilot's first answer on its most confident customer message:
    its probability and whether it was right; and whether the right answer was weighed at all
    on any of the conversation's messages."""
    found: dict[str, dict] = {}
    for row in decisions:
        candidates = row.get("candidates") or []
        if not candidates:
            continue
        first = candidates[0]
        probability = max(
            c["probability"] for c in candidates if c["citation"] == first["citation"]
        )
        was = found.get(row["conversation"])
        weighed = any(c["right"] for c in candidates) or bool(was and was["weighed"])
        if was is None or probability > was["probability"]:
            was = {"probability": probability, "right": first["right"]}
        found[row["conversation"]] = {**was, "weighed": weighed}
    return found


def _curve(picks: Iterable[tuple[float, bool]], total: int, at: Iterable[float]) -> list[str]:
    picks = list(picks)
    out = []
    for threshold in at:
        spoken = [right for score, right in picks if score >= threshold]
        right = sum(spoken)
        precision = right / len(spoken) if spoken else 0.0
        out.append(f"{threshold}: {len(spoken)} / {precision:.3f} / {right / total:.3f}")
    return out


def _at_recall(picks: Iterable[tuple[float, bool]], total: int, recall: float) -> str:
    """The precision where, speaking most confident first, recall first reaches ``recall``."""
    right = 0
    for spoken, (score, is_right) in enumerate(sorted(picks, key=lambda pick: -pick[0]), 1):
        right += is_right
        if right / total >= recall:
            return f"{right / spoken:.3f} (at {score:.3f}, {spoken} spoken, {right} right)"
    return f"never (at most {right} of {total} right)"


def links(conversations: list[dict], results: list[dict], start: int) -> dict:
    scored = conversations[start:]
    total = len(scored)
    ids = {c["id"] for c in scored}
    ours = _first_answers([r for r in _decisions(results) if r["conversation"] in ids])
    theirs = baseline(conversations, start)
    sent: dict[str, set[str]] = collections.defaultdict(set)
    for conversation in conversations[:start]:
        sent[conversation["team"]].add(conversation["resolving_url"])
    counts: collections.Counter[str] = collections.Counter()
    together: collections.Counter[str] = collections.Counter()
    for conversation in scored:
        gold = conversation["resolving_url"]
        counts["reachable"] += gold in sent[conversation["team"]]
        sent[conversation["team"]].add(gold)
        mine = ours.get(conversation["id"])
        counts["weighed"] += bool(mine and mine["weighed"])
        counts["first"] += bool(mine and mine["right"])
        base_right = theirs.get(conversation["id"], ("", 0.0))[0] == gold
        counts["baseline_first"] += base_right
        together[f"copilot {_yes(mine and mine['right'])}, baseline {_yes(base_right)}"] += 1
    gold_of = {c["id"]: c["resolving_url"] for c in scored}
    copilot = [(a["probability"], a["right"]) for a in ours.values()]
    naive = [(share, url == gold_of[cid]) for cid, (url, share) in theirs.items()]
    return {
        "conversations": total,
        "article sent before by the same team (reachable)": counts["reachable"],
        "right article among the copilot's candidates": counts["weighed"],
        "right article the copilot's first answer": counts["first"],
        "right article the baseline's first": counts["baseline_first"],
        "first answers, copilot and baseline": dict(sorted(together.items())),
        "copilot at threshold: spoken / precision / recall": _curve(
            copilot, total, (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7)
        ),
        "baseline at vote share: spoken / precision / recall": _curve(
            naive, total, (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        ),
        "copilot precision where recall reaches 0.30": _at_recall(copilot, total, 0.30),
        "baseline precision where recall reaches 0.30": _at_recall(naive, total, 0.30),
    }


def _yes(value: object) -> str:
    return "right" if value else "wrong"


def factoids(
    conversations: list[dict], results: list[dict], start: int, known: set[str], prefix: str
) -> dict:
    decided = {(r["conversation"], r["message"]): r for r in _decisions(results)}
    table: collections.Counter[tuple[str, str]] = collections.Counter()
    for conversation in conversations[start:]:
        for index, called in answered(conversation).items():
            names = {name for name in called if name and prefix + name in known}
            if not names:
                continue
            row = decided.get((conversation["id"], index)) or {}
            citations = [c["citation"] for c in row.get("candidates") or []]
            wanted = {prefix + name for name in names}
            table[(_did(citations, wanted), _named(conversation, index, names))] += 1
    where = ("in the message", "only earlier", "nowhere")
    return {
        "factoid turns": sum(table.values()),
        "by where the name was": {w: sum(v for k, v in table.items() if k[1] == w) for w in where},
        "the copilot, by where the name was": {
            did: {w: table[(did, w)] for w in where} for did in DID
        },
    }


DID = ("first", "weighed, not first", "not weighed", "nothing weighed")


def _did(citations: list[str], wanted: set[str]) -> str:
    if not citations:
        return DID[3]
    if citations[0] in wanted:
        return DID[0]
    return DID[1] if wanted & set(citations) else DID[2]


def _named(conversation: dict, index: int, names: set[str]) -> str:
    def says(text: str) -> bool:
        text = text.lower()
        return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names)

    if says(conversation["messages"][index]["text"]):
        return "in the message"
    if any(says(m["text"]) for m in conversation["messages"][:index]):
        return "only earlier"
    return "nowhere"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=("links", "factoids"))
    parser.add_argument("conversations")
    parser.add_argument("results")
    parser.add_argument("--from", dest="start", type=int)
    parser.add_argument("--knowledge", help="factoids: the imported knowledge base")
    parser.add_argument("--prefix", default="ubuntu-factoid-", help="factoids: their ids' prefix")
    args = parser.parse_args()
    conversations = _rows(args.conversations)
    results = _rows(args.results)
    if args.kind == "links":
        start = 300 if args.start is None else args.start
        print(json.dumps(links(conversations, results, start), indent=1))
        return
    if not args.knowledge:
        parser.error("factoids needs --knowledge, the knowledge base the replay imported")
    known = {row["id"] for row in _rows(args.knowledge)}
    start = 1801 if args.start is None else args.start
    print(json.dumps(factoids(conversations, results, start, known, args.prefix), indent=1))


if __name__ == "__main__":
    main()
