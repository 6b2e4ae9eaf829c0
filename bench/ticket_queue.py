"""Benchmark of the queue page with many tickets and their response clocks (not a test).

Builds a desk of --tickets tickets (10,000 by default) over four teams and 60 days: most
resolved or closed, the rest new, open or waiting, a share of those waiting for a first or a
next response (so the queue's clocks run), priorities and tags mixed, each analyst with two
saved views. Then renders the queue page through Django's test client (the full middleware
stack and template, the saved views' counts in its sidebar) as an analyst of two teams and as
a manager who sees all four, for each way people use it: the default list, "response due
soonest", a status filter, a search by a customer's email and by words of a subject, and the
htmx fragment the live queue fetches. Prints p50/p95 per case and the queries of each.

Runs against a throwaway database on the embedded PostgreSQL (or DATABASE_URL's server).
Usage: python bench/ticket_queue.py [--tickets 10000] [--renders 40]
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings_test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TEAMS = ("Compute", "Storage", "Billing", "Networking")
WORDS = [
    "volume",
    "detached",
    "invoice",
    "refund",
    "latency",
    "outage",
    "quota",
    "login",
    "certificate",
    "dns",
]
CASES = {
    "default (active, last activity)": "",
    "response due soonest": "?sort=due",
    "status: waiting": "?status=waiting",
    "all statuses, priority": "?status=all&sort=-priority",
    "search: a customer's email": "?q=customer-0421%40example.com",
    "search: words of a subject": "?q=certificate+outage",
    "live queue's fragment (htmx)": "?sort=due",
}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def build(count: int, seed: int = 7):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from tickets import saved_view_services
    from tickets.models import Customer, Team, Ticket

    rng = random.Random(seed)
    now = timezone.now()
    users = get_user_model().objects
    teams = [Team.objects.create(name=name, slug=name.lower()) for name in TEAMS]
    analyst = users.create_user("bench-analyst", first_name="Bench")
    analyst.groups.add(Group.objects.get_or_create(name="analyst")[0])
    manager = users.create_user("bench-manager")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    colleagues = [users.create_user(f"bench-{n}") for n in range(8)]
    for n, team in enumerate(teams):
        team.members.add(*colleagues[2 * n : 2 * n + 2])
    teams[0].members.add(analyst)
    teams[1].members.add(analyst)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {n}", email=f"customer-{n:04d}@example.com") for n in range(2000)
    )
    statuses = [Ticket.Status.RESOLVED] * 6 + [Ticket.Status.CLOSED] * 2
    statuses += [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING]
    tickets = []
    for n in range(count):
        created = now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 60))
        last = min(now, created + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 3)))
        status = rng.choice(statuses)
        team = rng.choice(teams)
        active = status in (Ticket.Status.NEW, Ticket.Status.OPEN)
        answered = status != Ticket.Status.NEW
        tickets.append(
            Ticket(
                subject=" ".join(rng.sample(WORDS, 3)) + f" #{n}",
                team=team,
                customer=rng.choice(customers),
                status=status,
                priority=rng.choice(Ticket.Priority.values),
                assignee=rng.choice([None, *colleagues[:4], analyst]),
                tags=rng.sample(WORDS, rng.randint(0, 2)),
                created_at=created,
                updated_at=last,
                last_message_at=last,
                first_response_at=created + dt.timedelta(minutes=30) if answered else None,
                # An open ticket whose customer wrote again waits for a next response.
                awaiting_reply_since=last if active and answered and rng.random() < 0.6 else None,
                resolved_at=last if status == Ticket.Status.RESOLVED else None,
                closed_at=last if status == Ticket.Status.CLOSED else None,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    for user in (analyst, manager):
        for name, query in (("My urgent", "priority=4"), ("Waiting", "status=waiting")):
            saved_view_services.saved_view_create(owner=user, name=name, query=query)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return analyst, manager


def bench(user, renders: int) -> dict[str, dict[str, float]]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    results = {}
    for case, query in CASES.items():
        headers = {"HX-Request": "true"} if "htmx" in case else {}
        url = "/tickets/" + query
        assert client.get(url, headers=headers).status_code == 200  # warm
        timings = []
        for _ in range(renders):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        results[case] = {
            "p50": percentile(timings, 50),
            "p95": percentile(timings, 95),
            "queries": sum(1 for q in queries.captured_queries if q["sql"].startswith("SELECT")),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--renders", type=int, default=40)
    args = parser.parse_args()
    if args.tickets < 1 or args.renders < 1:
        parser.error("counts must be positive")

    # A database of its own: never the one a concurrent test run is using.
    connection.settings_dict["TEST"]["NAME"] = "vigil_bench_queue"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        analyst, manager = build(args.tickets)
        built = time.perf_counter() - started
        figures = {"analyst (2 of 4 teams)": bench(analyst, args.renders)}
        figures["manager (all teams)"] = bench(manager, args.renders)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print(f"{args.tickets} tickets built in {built:.1f} s; {args.renders} renders per case")
    for who, results in figures.items():
        print(f"\nqueue page as {who}:")
        for case, figure in results.items():
            print(
                f"  {case:34} p50 {figure['p50']:6.1f} ms  p95 {figure['p95']:6.1f} ms  "
                f"{figure['queries']} queries"
            )


if __name__ == "__main__":
    main()
