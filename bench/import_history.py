"""Benchmark of importing a team's history (``manage.py import_conversations``), printed as
figures (not a test): conversations and messages per second, with learning and without; then
how many proposals learning made, how many groups of similar proposals the curation page
shows (at a few grouping thresholds) and how many decisions a curator needs, with samples.

Runs in a throwaway database; every line goes into one team (a line's own team is dropped, as
when a team imports its own history). Usage:
  python bench/import_history.py CONVERSATIONS.jsonl [--limit N] [--samples N]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings_test")

import logging

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.db import connection  # noqa: E402

from ai import embedding  # noqa: E402
from bench.model_clock import model_clock  # noqa: E402
from knowledge import clusters  # noqa: E402
from knowledge.selectors import curation_queue  # noqa: E402
from replay.importing import import_file  # noqa: E402
from tickets.models import Team, Ticket  # noqa: E402


def one_team_copy(source: Path, limit: int | None) -> Path:
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    with out.open("w", encoding="utf-8") as handle:
        for line in lines[:limit]:
            data = json.loads(line)
            data.pop("team", None)
            handle.write(json.dumps(data) + "\n")
    return out


def timed(path: Path, team: Team, *, learn: bool) -> dict[str, float]:
    started = time.perf_counter()
    with model_clock() as clock:
        done = import_file(path, default=team, learn=learn)
    elapsed = time.perf_counter() - started
    customer = sum(
        1
        for t in Ticket.objects.filter(team=team)
        for m in t.messages.all()
        if m.kind == "customer"
    )
    return {
        "learn": learn,
        "conversations": done.imported,
        "messages": done.messages,
        "customer_messages": customer,
        "learned": done.learned,
        "seconds": round(elapsed, 1),
        "messages_per_s": round(done.messages / elapsed, 1),
        "customer_messages_per_s": round(customer / elapsed, 1),
        "texts_embedded": clock.texts,
        "model_seconds": round(clock.seconds, 1),
        "model": clock.line(customer),
    }


def groups_report(samples: int) -> None:
    proposed = curation_queue().count()
    default = clusters.GROUP_FROM
    for threshold in (0.75, default, 0.9):
        clusters.GROUP_FROM = threshold
        groups = clusters.proposal_groups()
        grouped = sum(g.size for g in groups)
        decisions = len(groups) + clusters.ungrouped_count(groups, proposed)
        print(
            f"grouping from cosine {threshold}: {proposed} proposals, {len(groups)} groups "
            f"holding {grouped} of them, largest {groups[0].size if groups else 0}: "
            f"{decisions} decisions"
        )
    clusters.GROUP_FROM = default
    for group in clusters.proposal_groups()[:samples]:
        print(f"\n[{group.size}] kept: {group.leader.question[:100]!r}")
        for member in group.members[:4]:
            print(f"      merged: {member.question[:100]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("conversations")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--samples", type=int, default=5, help="groups printed at the default")
    args = parser.parse_args()
    path = one_team_copy(Path(args.conversations), args.limit)
    embedding.embed(["warm up the embedding model"])
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = []
        for learn in (False, True):
            team = Team.objects.create(slug=f"history-{learn}", name=f"History {learn}")
            rows.append(timed(path, team, learn=learn))
        for row in rows:
            print(
                f"{'with' if row['learn'] else 'without'} learning: {row['conversations']} "
                f"conversations, {row['messages']} messages ({row['customer_messages']} from "
                f"customers) in {row['seconds']} s: {row['messages_per_s']} messages/s, "
                f"{row['customer_messages_per_s']} customer messages/s; {row['learned']} "
                f"entries proposed or supported; {row['model']}"
            )
        print(json.dumps(rows))
        groups_report(args.samples)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        path.unlink()


if __name__ == "__main__":
    main()
