"""Benchmark of the manager dashboards, printed as figures (not a test).

Seeds 100k tickets, 1M messages, 200k copilot runs (with their suggestions, citations and the
entries they considered), 5k knowledge entries and 20k revisions over the past year, with bulk
SQL (generate_series), then times each dashboard page, the audit pages and the CSV downloads
through Django's test client (the full middleware stack and templates), logged in as a manager:
p50 / p95 over repeated requests, for the default 30 days and for a whole year.

Runs against a throwaway database on the embedded PostgreSQL (or DATABASE_URL's server).
Usage: python bench/dashboards.py [--tickets 100000] [--runs 200000] [--requests 7]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

TEAMS = ["Compute", "Storage", "Billing", "Network", "Identity", "Databases"]
SILENCE = [
    "not a question or problem report",
    "thanks or acknowledgement",
    "no knowledge above threshold (0.41 < 0.6)",
    "no knowledge above threshold (0.55 < 0.6)",
    "an analyst replied meanwhile",
    "already answered with this entry in this ticket",
]

SEED = """
INSERT INTO tickets_team (name, slug, description)
SELECT t, lower(t), '' FROM unnest(%(teams)s::text[]) AS t;

INSERT INTO tickets_customer (name, email, created_at)
SELECT 'Customer ' || n, 'customer' || n || '@example.com', now() - interval '400 days'
FROM generate_series(1, 5000) AS n;

INSERT INTO tickets_ticket (public_id, subject, team_id, customer_id, status, priority, tags,
    created_at, updated_at, last_message_at, first_response_at, resolved_at, closed_at)
SELECT gen_random_uuid(), 'Problem number ' || n,
    (SELECT min(id) FROM tickets_team) + n %% 6,
    (SELECT min(id) FROM tickets_customer) + n %% 5000,
    s.status, 1 + n %% 4, '{}', s.created, s.created, s.created + interval '2 hours',
    CASE WHEN n %% 11 = 0 THEN NULL ELSE s.created + (random() ^ 3) * interval '40 hours' END,
    CASE WHEN s.status IN ('resolved', 'closed')
         THEN s.created + interval '1 hour' + random() * interval '5 days' END,
    CASE WHEN s.status = 'closed' THEN s.created + interval '8 days' END
FROM (
    SELECT n,
        now() - random() * interval '365 days' AS created,
        (ARRAY['new', 'open', 'waiting', 'resolved', 'closed', 'closed', 'resolved', 'closed'])
            [1 + n %% 8] AS status
    FROM generate_series(1, %(tickets)s) AS n
) AS s(n, created, status);

INSERT INTO tickets_message (ticket_id, kind, internal, author_name, body, created_at,
    waited_since)
SELECT t.id, CASE WHEN k %% 2 = 1 THEN 'customer' ELSE 'analyst' END, false, 'Someone',
    'Message ' || k || ': the volume is still detaching, logs attached.',
    t.created_at + k * interval '20 minutes',
    CASE WHEN k %% 2 = 0 AND k > 2 THEN t.created_at + (k - 1) * interval '20 minutes' END
FROM tickets_ticket t CROSS JOIN generate_series(1, %(messages_per_ticket)s) AS k;

INSERT INTO knowledge_knowledgeentry (question, answer, tags, team_id, status, source,
    evidence_count, relation, times_suggested, times_accepted, times_edited, times_dismissed,
    flagged, flag_reason, reject_reason, embedding_model, answer_embedding_model, created_at,
    updated_at, reviewed_at)
SELECT 'How do I fix problem ' || n || '?', 'Do this for problem ' || n || '.', '{}',
    CASE WHEN n %% 3 = 0 THEN NULL ELSE (SELECT min(id) FROM tickets_team) + n %% 6 END,
    (ARRAY['approved', 'approved', 'approved', 'proposed', 'rejected', 'archived'])[1 + n %% 6],
    (ARRAY['learned', 'imported', 'learned', 'manual'])[1 + n %% 4],
    1 + n %% 5, '', 0, 0, 0, 0, n %% 50 = 0, '', '', '', '', c, c,
    CASE WHEN n %% 6 < 3 THEN c + interval '2 days' END
FROM (SELECT n, now() - random() * interval '365 days' FROM generate_series(1, 5000) AS n)
    AS e(n, c);

INSERT INTO copilot_copilotrun (ticket_id, message_id, decision, reason, kind, engine,
    gate_probability, score, threshold, query, model, llm_calls, tokens, latency_ms, error,
    explored, trigger, model_version, features, created_at)
SELECT m.ticket_id, m.id, d.decision,
    CASE WHEN d.decision = 'silent' THEN (%(silence)s::text[])[1 + m.id %% 6]
         ELSE 'matches an entry' END,
    CASE WHEN d.decision = 'speak' THEN 'answer' ELSE '' END,
    CASE WHEN m.id %% 4 = 0 THEN 'llm' ELSE 'local' END,
    random(), random(), 0.6, '',
    CASE WHEN m.id %% 4 = 0 THEN 'openai/gpt-4o-mini' ELSE '' END,
    CASE WHEN m.id %% 4 = 0 THEN 2 ELSE 0 END,
    CASE WHEN m.id %% 4 = 0 THEN 400 + (random() * 1200)::int ELSE 0 END,
    20 + random() * 400, '', d.decision = 'speak' AND m.id %% 40 = 0, 'message', '', '{}',
    m.created_at + interval '1 second'
FROM (
    SELECT id, ticket_id, created_at FROM tickets_message
    WHERE kind = 'customer' ORDER BY id LIMIT %(runs)s
) AS m
CROSS JOIN LATERAL (
    SELECT CASE WHEN (m.id * 37) %% 100 < 35 THEN 'speak' ELSE 'silent' END
) AS d(decision);

INSERT INTO copilot_copilotrun_considered (copilotrun_id, knowledgeentry_id)
SELECT r.id, (SELECT min(id) FROM knowledge_knowledgeentry) + (r.id * 7 + k * 13) %% 5000
FROM copilot_copilotrun r CROSS JOIN generate_series(1, 2) AS k
WHERE r.decision = 'speak' OR r.id %% 3 = 0;

INSERT INTO copilot_suggestion (run_id, ticket_id, kind, text, label, score, why, state,
    dismiss_reason, created_at)
SELECT r.id, r.ticket_id, 'answer', 'Try this.', 'Knowledge match', r.score, '',
    s.state, CASE WHEN s.state = 'dismissed'
        THEN (ARRAY['wrong', 'not_relevant', 'outdated', 'already_answered', 'other'])
             [1 + r.id %% 5] ELSE '' END,
    r.created_at
FROM copilot_copilotrun r
CROSS JOIN LATERAL (SELECT (ARRAY['sent', 'sent', 'edited', 'dismissed', 'shown', 'auto_sent',
    'superseded', 'sent'])[1 + (r.id / 3) %% 8]) AS s(state)
WHERE r.decision = 'speak';

INSERT INTO copilot_suggestion_citations (suggestion_id, knowledgeentry_id)
SELECT s.id, (SELECT min(id) FROM knowledge_knowledgeentry) + (s.id * 7) %% 5000
FROM copilot_suggestion s;

INSERT INTO knowledge_knowledgerevision (entry_id, kind, state, actor_name, question, answer,
    note, created_at)
SELECT (SELECT min(id) FROM knowledge_knowledgeentry) + n %% 5000,
    (ARRAY['created', 'approved', 'rejected', 'merged', 'edited', 'proposal'])[1 + n %% 6],
    CASE WHEN n %% 6 = 5 THEN 'pending' ELSE '' END,
    (ARRAY['Cora Curator', 'Ada Admin', 'learning'])[1 + n %% 3], '', '', '',
    now() - random() * interval '365 days'
FROM generate_series(1, 20000) AS n;
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def seed(tickets: int, runs: int) -> dict[str, float]:
    counts = {}
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in SEED.split(";\n\n"):
            table = statement.split("INSERT INTO ", 1)[1].split(" ", 1)[0]
            began = time.perf_counter()
            cursor.execute(
                statement,
                {
                    "teams": TEAMS,
                    "tickets": tickets,
                    "messages_per_ticket": 10,
                    "runs": runs,
                    "silence": SILENCE,
                },
            )
            counts[table] = (cursor.rowcount, time.perf_counter() - began)
        cursor.execute("ANALYZE")
    for table, (rows, took) in counts.items():
        print(f"  {table:36} {rows:>9,} rows  {took:6.1f} s")
    return {"seconds": time.perf_counter() - start}


def manager():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("bench-manager")
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


def timed(client, url: str, params: dict[str, str], requests: int) -> dict[str, float]:
    def get() -> tuple[float, int, int]:
        began = time.perf_counter()
        response = client.get(url, params)
        size = len(b"".join(response.streaming_content) if response.streaming else response.content)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - began) * 1000, size, response.status_code

    get()  # warm templates and caches
    timings = [get()[0] for _ in range(requests)]
    with CaptureQueriesContext(connection) as queries:
        _, size, _ = get()
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "queries": len(queries),
        "kib": size / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=7)
    args = parser.parse_args()
    if min(args.tickets, args.runs, args.requests) < 1:
        parser.error("counts must be positive")
    if args.runs > args.tickets * 5:
        parser.error("at most five runs per ticket (one per customer message)")

    from django.test import Client

    connection.settings_dict["TEST"]["NAME"] = "vigil_bench_dashboards"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
        print("seeding:")
        seeded = seed(args.tickets, args.runs)
        print(f"  seeded in {seeded['seconds']:.1f} s")
        client = Client(HTTP_HOST="localhost")
        client.force_login(manager())
        today = timezone.localdate()
        year = {"start": (today - timezone.timedelta(days=364)).isoformat()}
        cases = [
            ("support", reverse("dashboards:page", args=["support"])),
            ("copilot", reverse("dashboards:page", args=["copilot"])),
            ("knowledge", reverse("dashboards:page", args=["knowledge"])),
            ("audit: copilot decisions", reverse("dashboards:audit_runs")),
            ("audit: curation decisions", reverse("dashboards:audit_curation")),
            ("CSV support waiting", reverse("dashboards:table", args=["support", "waiting"])),
            ("CSV copilot daily", reverse("dashboards:table", args=["copilot", "daily"])),
            ("CSV most cited entries", reverse("dashboards:table", args=["knowledge", "cited"])),
        ]
        print(f"{'what':34} {'range':8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'KiB':>8}")
        for label, url in cases:
            for name, params in (
                ("30 days", {}),
                ("a year", year),
                ("one team", {"team": "compute"}),
            ):
                if name == "one team" and not label.startswith(("support", "copilot")):
                    continue
                figures = timed(client, url, params, args.requests)
                print(
                    f"{label:34} {name:8} {figures['p50']:8.1f} {figures['p95']:8.1f} "
                    f"{figures['queries']:8} {figures['kib']:8.0f}"
                )
        print("each panel alone, a year:")
        from dashboards.panels import PAGES

        for page, board in PAGES.items():
            for name in board.panels:
                url = reverse("dashboards:panel", args=[page, name])
                figures = timed(client, url, year, 3)
                print(f"  {page + ' / ' + name:32} {figures['p50']:8.1f} ms")
        for label, url in (
            ("CSV every copilot decision", reverse("dashboards:audit_runs")),
            ("CSV every curation decision", reverse("dashboards:audit_curation")),
        ):
            figures = timed(client, url, {"format": "csv"}, max(3, args.requests // 2))
            print(
                f"{label:34} {'30 days':8} {figures['p50']:8.1f} {figures['p95']:8.1f} "
                f"{figures['queries']:8} {figures['kib']:8.0f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
