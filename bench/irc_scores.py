"""Scores a replay of recorded IRC help conversations against the helpers' own answers.

    .venv/bin/python bench/irc_scores.py CONVERSATIONS.jsonl RESULTS.jsonl [--from N]

CONVERSATIONS is the replay-format file (it links each helper message to the messages it
answers with ``reply_to``); RESULTS the replay's ``--out`` file. Only conversations from
index N on (file order = time order) are scored, so that a model fitted on the earlier ones
is judged on the later ones.

  false_interruptions  answer suggestions on customer messages no helper answered, out of
                       all customer messages
  factoid_turns        customer messages a helper answered by calling a factoid (``!name``,
                       with an entry ``<prefix><name>`` in the knowledge base)
  factoid_first_spoken of those the copilot spoke on, the share whose first citation is
                       that factoid
  factoid_first_ranked of all of them, the share where that factoid was the copilot's best
                       candidate (spoken or not)
Standard library only.
"""

import argparse
import json
import re
from pathlib import Path

CALL_RE = re.compile(r"(?:^|\s)!([\w.+-]+)")


def answered(conversation: dict) -> dict[int, set[str]]:
    """Customer message index → factoids the helpers called for it ('' = answered plainly)."""
    roles = [m["role"] for m in conversation["messages"]]
    found: dict[int, set[str]] = {}
    for message in conversation["messages"]:
        if message["role"] != "analyst":
            continue
        calls = {name.lower() for name in CALL_RE.findall(message["text"])}
        if "?" in message["text"] and not calls:
            continue
        for index in message.get("reply_to") or []:
            if 0 <= index < len(roles) and roles[index] == "customer":
                found.setdefault(index, set()).update(calls or {""})
    return found


def _lines(path: str) -> list[str]:
    return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("conversations")
    parser.add_argument("results")
    parser.add_argument("--from", dest="start", type=int, default=0)
    parser.add_argument("--prefix", default="ubuntu-factoid-")
    parser.add_argument("--knowledge", help="the imported knowledge base (JSON lines with ids)")
    args = parser.parse_args()
    known = {json.loads(line)["id"] for line in _lines(args.knowledge)} if args.knowledge else None
    conversations = [json.loads(line) for line in _lines(args.conversations)]
    scored = {c["id"]: answered(c) for c in conversations[args.start :]}
    rows = [json.loads(line) for line in _lines(args.results)]
    decisions = [
        r for r in rows if r.get("type", "decision") == "decision" and r["conversation"] in scored
    ]
    spoken = [r for r in decisions if r["decision"] == "speak" and r.get("kind") == "answer"]
    false = [r for r in spoken if r["message"] not in scored[r["conversation"]]]
    figures = _factoid_figures(decisions, spoken, scored, args.prefix, None)
    if known is not None:
        in_kb = _factoid_figures(decisions, spoken, scored, args.prefix, known)
        figures.update({f"{name}_in_kb": value for name, value in in_kb.items()})
    print(
        json.dumps(
            {
                "conversations": len(scored),
                "customer_messages": len(decisions),
                "answer_suggestions": len(spoken),
                "false_interruptions": round(len(false) / max(len(decisions), 1), 4),
                "spoke_where_a_helper_answered": round(1 - len(false) / max(len(spoken), 1), 3),
                **figures,
            },
            indent=1,
        )
    )


def _factoid_figures(
    decisions: list[dict],
    spoken: list[dict],
    scored: dict[str, dict[int, set[str]]],
    prefix: str,
    known: set[str] | None,
) -> dict:
    """The factoid figures over the turns a helper answered by calling a factoid (only those
    in ``known``, when given)."""
    turns = spoken_on = first = ranked = 0
    for row in decisions:
        called = {n for n in scored[row["conversation"]].get(row["message"], set()) if n}
        wanted = {prefix + name for name in called}
        if known is not None:
            wanted &= known
        if not wanted:
            continue
        turns += 1
        # The copilot's own order: the likeliest answer first, led by the entry it would cite.
        candidates = row.get("candidates") or []
        ranked += bool(candidates) and candidates[0]["citation"] in wanted
        if row in spoken:
            spoken_on += 1
            first += bool(row["citations"]) and row["citations"][0] in wanted
    return {
        "factoid_turns": turns,
        "factoid_turns_spoken_on": spoken_on,
        "factoid_first_spoken": round(first / spoken_on, 3) if spoken_on else None,
        "factoid_first_ranked": round(ranked / turns, 3) if turns else None,
    }


if __name__ == "__main__":
    main()
