"""Benchmark of the ticket console, printed as figures (not a test).

1. Ticket page render with a 500-message conversation: p50/p95 over repeated requests through
   Django's test client (the full middleware stack and template), and its query count.
2. Delivery latency from a message being saved to it arriving on a connected websocket client,
   over 300 messages: the message is saved with the real service, published on commit through
   the channel layer, and received by a WebsocketCommunicator on the full ASGI application.

Runs against a throwaway database on the embedded PostgreSQL (or DATABASE_URL's server).
Usage: python bench/ticket_console.py [--messages 500] [--renders 60] [--deliveries 300]
"""

import argparse
import asyncio
import os
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


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def build(messages: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tickets import services
    from tickets.models import Customer, Message, Team

    team = Team.objects.create(name="Compute", slug="compute")
    analyst = get_user_model().objects.create_user("bench")
    analyst.groups.add(Group.objects.get_or_create(name="analyst")[0])
    team.members.add(analyst)
    customer = Customer.objects.create(name="Bench Customer", email="bench@example.com")
    ticket = services.ticket_create(
        team=team, customer=customer, subject="Long conversation", body="First message"
    )
    kinds = [Message.Kind.CUSTOMER, Message.Kind.ANALYST]
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            kind=kinds[n % 2],
            author_name="Someone",
            body=f"Message {n}: the volume is still detaching, logs attached below.\n" * 3,
            internal=n % 10 == 0 and kinds[n % 2] == Message.Kind.ANALYST,
            created_at=ticket.created_at,
        )
        for n in range(messages - 1)
    )
    return analyst, ticket


def bench_render(analyst, ticket, renders: int) -> dict[str, float]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(analyst)
    url = f"/tickets/{ticket.pk}/"
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(renders):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        # Transaction control (BEGIN/COMMIT/SAVEPOINT) is not a query; the test pins the same 9.
        "queries": sum(
            1
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT") or q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
        ),
        "bytes": len(response.content),
    }


async def bench_delivery(analyst, ticket, deliveries: int) -> dict[str, float]:
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from tickets import services
    from vigil_site.asgi import application

    @database_sync_to_async
    def cookie() -> bytes:
        client = Client()
        client.force_login(analyst)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    @database_sync_to_async
    def save(n: int) -> float:
        services.message_create(ticket=ticket, kind="customer", body=f"delivery probe {n}")
        return time.perf_counter()

    headers = [(b"origin", b"http://localhost"), (b"cookie", await cookie())]
    ws = WebsocketCommunicator(application, f"/ws/tickets/{ticket.pk}/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    latencies = []
    try:
        for n in range(deliveries):
            # Saved (committed) at `saved`; the publish runs on commit inside message_create.
            saved = await save(n)
            while True:
                event = await ws.receive_json_from(timeout=5)
                if event["type"] == "message":
                    break
            latencies.append((time.perf_counter() - saved) * 1000)
    finally:
        await ws.disconnect()
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--renders", type=int, default=60)
    parser.add_argument("--deliveries", type=int, default=300)
    args = parser.parse_args()
    if min(args.messages, args.renders, args.deliveries) < 1:
        parser.error("counts must be positive")

    # A database of its own: never the one a concurrent test run is using.
    connection.settings_dict["TEST"]["NAME"] = "vigil_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        analyst, ticket = build(args.messages)
        render = bench_render(analyst, ticket, args.renders)
        delivery = asyncio.run(bench_delivery(analyst, ticket, args.deliveries))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print(
        f"ticket page, {args.messages} messages, {args.renders} renders: "
        f"p50 {render['p50']:.1f} ms, p95 {render['p95']:.1f} ms, "
        f"{render['queries']} queries, {render['bytes'] / 1024:.0f} KiB"
    )
    print(
        f"save -> websocket delivery, {args.deliveries} messages: "
        f"p50 {delivery['p50']:.2f} ms, p95 {delivery['p95']:.2f} ms"
    )


if __name__ == "__main__":
    main()
