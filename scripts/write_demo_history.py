"""Write the demo's history, tickets/demo/history.jsonl: about 200 conversations of the demo's
three teams over 60 days, in the replay format. Run it again after changing
demo_history_kinds.py; the same seed writes the same file.

    .venv/bin/python scripts/write_demo_history.py

Besides the replay format, a line has the ticket's ``priority`` and ``tags``, the customer's
``email`` and, for some, the ``rating`` the customer gave the resolution.

Times are written as if now were HISTORY_NOW (tickets/demo/history.jsonl's readers move them so
that it is the moment of seeding): the history is always the last 60 days.
"""

import datetime as dt
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from demo_history_kinds import (
    ANALYSTS,
    BAD_COMMENTS,
    CUSTOMERS,
    GOOD_COMMENTS,
    KINDS,
    NUDGES,
    ONE_OFFS,
    STILL_FAILING,
    THANKS,
)

HISTORY_NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DAYS = 60
HANDBOOK = Path(__file__).resolve().parents[1] / "knowledge" / "demo" / "knowledge.jsonl"
OPEN_DAYS = 3  # conversations started this recently may still be open
OUT = Path(__file__).resolve().parents[1] / "tickets" / "demo" / "history.jsonl"
REGIONS = ["eu-west-2", "eu-central-1", "us-east-1", "us-west-1", "ap-northeast-1"]
# First-response delay in minutes (low, high), by priority: some slower than the SLA.
DELAYS = {"urgent": (4, 140), "high": (10, 540), "normal": (15, 1600), "low": (30, 3200)}


def fill(text: str, rng: random.Random) -> str:
    return text.format(
        id="i-0" + "".join(rng.choice("0123456789abcdef") for _ in range(16)),
        region=rng.choice(REGIONS),
        bucket=rng.choice(["media-prod", "backups-eu", "web-assets", "exports"]),
        amount=f"${rng.randint(40, 2400)}.{rng.randint(0, 99):02d}",
        invoice=f"INV-{rng.randint(2024000, 2024999)}",
    )


def answer_text(core: str, customer: str, analyst: str, rng: random.Random) -> str:
    """As analysts write: often the team's answer pasted as is, else with a greeting."""
    if rng.random() < 0.4:
        return core
    first = customer.split()[0]
    return f"Hi {first},\n\n{core}\n\n{analyst.split()[0]}"


def start_times(count: int, rng: random.Random) -> list[dt.datetime]:
    """Spread over DAYS, a little busier lately, in working hours."""
    days = rng.choices(range(DAYS), weights=[1 + day / DAYS for day in range(DAYS)], k=count)
    begin = HISTORY_NOW - dt.timedelta(days=DAYS)
    return sorted(
        begin + dt.timedelta(days=day, hours=rng.uniform(7, 19), minutes=rng.randint(0, 59))
        for day in days
    )


def conversation(n: int, kind: dict, at: dt.datetime, rng: random.Random) -> dict | None:
    name, email = rng.choice(CUSTOMERS)
    analyst = rng.choice(ANALYSTS[kind["team"]])
    priority = kind["priority"] if rng.random() < 0.7 else rng.choice(["low", "normal", "high"])
    messages: list[dict] = []

    def say(role: str, text: str, minutes: float, reply_to: list[int] | None = None) -> None:
        nonlocal at
        at = at + dt.timedelta(minutes=minutes)
        item = {"role": role, "author": name if role == "customer" else analyst, "text": text}
        item["at"] = at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        if reply_to:
            item["reply_to"] = reply_to
        messages.append(item)

    say("customer", fill(rng.choice(kind["openings"]), rng), 0)
    low, high = DELAYS[priority]
    delay = rng.uniform(low, high)
    pattern = rng.random()
    asked = [0]
    if pattern < 0.15:
        say("customer", rng.choice(NUDGES), min(delay * 0.6, 600))
        asked.append(1)
    if kind.get("clarify") and pattern > 0.6:
        say("analyst", kind["clarify"], delay, [0])
        say("customer", fill(kind["clarified"], rng), rng.uniform(10, 240))
        asked = [len(messages) - 1]
        delay = rng.uniform(5, 90)
    core = kind["answer"]
    say("analyst", answer_text(core, name, analyst, rng), delay, asked)
    slow = delay > DELAYS[priority][1] * 0.8
    troubled = rng.random() < 0.12
    if troubled:
        say("customer", rng.choice(STILL_FAILING), rng.uniform(20, 300))
        say("analyst", answer_text(core, name, analyst, rng), rng.uniform(10, 120), [0])
    if rng.random() < 0.55:
        say("customer", rng.choice(THANKS), rng.uniform(5, 600))
    resolved = True
    if at > HISTORY_NOW - dt.timedelta(hours=1):
        if messages[0]["at"] > (HISTORY_NOW - dt.timedelta(hours=1)).isoformat():
            return None
        # Still going on: cut it where "now" is, unresolved.
        cutoff = (HISTORY_NOW - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        messages = [m for m in messages if m["at"] <= cutoff]
        resolved = False
    rating = None
    if resolved and rng.random() < 0.35:
        unhappy = (troubled or slow) and rng.random() < 0.5
        rating = (
            ["bad", rng.choice(BAD_COMMENTS)] if unhappy else ["good", rng.choice(GOOD_COMMENTS)]
        )
    written = {
        "id": f"demo-{n:04d}",
        "team": kind["team"],
        "subject": fill(rng.choice(kind["subjects"]), rng),
        "priority": priority,
        "tags": kind["tags"],
        "email": email,
        "messages": messages,
        "resolved": resolved,
    }
    if rating:
        written["rating"] = rating  # given on the portal after the resolution
    return written


def open_ones(first: int, rng: random.Random) -> list[dict]:
    """A few of the last days still waiting on us, or on the customer."""
    found = []
    for offset, kind in enumerate(rng.sample(KINDS, 8)):
        at = HISTORY_NOW - dt.timedelta(days=rng.uniform(0.2, OPEN_DAYS))
        written = conversation(first + offset, kind, at, rng)
        if written is None:
            continue
        messages = written["messages"][: rng.choice([1, 1, 2])]
        if messages[-1]["at"] >= HISTORY_NOW.isoformat():
            messages = messages[:1]
        written.update(messages=messages, resolved=False)
        found.append(written)
    return found


def one_off(n: int, spec: tuple[str, str, str, str], at: dt.datetime, rng: random.Random) -> dict:
    team, subject, question, answer = spec
    kind = {
        "team": team,
        "tags": [],
        "priority": "normal",
        "subjects": [subject],
        "openings": [question],
        "answer": answer,
    }
    written = conversation(n, kind, at, rng)
    if written is None:
        raise ValueError(f"{subject!r} starts too late to be written")
    return written


def main() -> None:
    rng = random.Random(15)  # noqa: S311 - the same file each time, not a secret
    handbook = {
        entry["id"]: entry["answer"]
        for entry in map(json.loads, HANDBOOK.read_text(encoding="utf-8").splitlines())
    }
    for kind in KINDS:
        if "handbook" in kind:
            kind["answer"] = handbook[kind["handbook"]]
    plan: list[dict | tuple] = [kind for kind in KINDS for _ in range(kind["repeats"])]
    plan += list(ONE_OFFS)
    rng.shuffle(plan)
    # The history ends where the open ones begin.
    times = [t for t in start_times(len(plan) + 20, rng) if t < HISTORY_NOW - dt.timedelta(days=1)]
    lines = []
    for n, (item, at) in enumerate(zip(plan, times, strict=False), start=1):
        written = (
            conversation(n, item, at, rng) if isinstance(item, dict) else one_off(n, item, at, rng)
        )
        if written is not None:
            lines.append(written)
    lines += open_ones(len(lines) + 1, rng)
    lines.sort(key=lambda line: line["messages"][0]["at"])
    with OUT.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} conversations, {sum(not line['resolved'] for line in lines)} open")


if __name__ == "__main__":
    main()
