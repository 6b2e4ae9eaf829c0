"""How long Vigil's background tasks take, to choose django-q2's timeout and retry (not a test).

1. Each task as a worker runs it, timed in this process over the demo data: learning from each
   resolved demo ticket; the first copilot run in a process of its own (imports and the
   embedding model loaded, as in a freshly started worker), then customer messages on fresh
   tickets (questions from the demo handbook, and chatter the gate turns away); one round of
   each periodic task.
2. A burst through a real `manage.py qcluster` (the database broker, VIGIL_WORKERS workers):
   customer messages posted at once through the real service, each queuing its copilot task;
   how long from queued to done.

Runs against a throwaway database on the embedded PostgreSQL (or DATABASE_URL's server),
without an LLM. Usage: python bench/task_durations.py [--messages 200] [--burst 200]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "vigil_site.settings"
os.environ["VIGIL_LLM_MODEL"] = ""

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from vigil_site.supervision import Child  # noqa: E402

CHATTER = ["Thanks!", "ok", "Great, that worked.", "Hello", "I will try that tomorrow."]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def row(what: str, times: list[float]) -> None:
    print(
        f"| {what} | {len(times)} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} | "
        f"{max(times):.0f} |"
    )


def customer_messages(count: int) -> list[str]:
    from knowledge.models import KnowledgeEntry

    questions = list(KnowledgeEntry.objects.values_list("question", flat=True))
    # Every other message is chatter, as in real conversations.
    mixed = [text for n, q in enumerate(questions) for text in (q, CHATTER[n % len(CHATTER)])]
    return (mixed * (count // len(mixed) + 1))[:count]


def new_ticket(body: str):
    from tickets import services
    from tickets.models import Customer, Team

    customer, _ = Customer.objects.get_or_create(email="bench@example.com", name="Bench")
    team = Team.objects.order_by("pk").first()
    ticket = services.ticket_create(team=team, customer=customer, subject="Bench", body=body)
    return ticket.messages.get()


def worker_env() -> dict[str, str]:
    """This process's database and key, for a process of its own."""
    database = urlsplit(settings.DATABASE_URL)._replace(
        path=f"/{settings.DATABASES['default']['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": urlunsplit(database),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        # The burst is timed from the results the worker stores.
        "VIGIL_TASK_RESULTS_KEPT": "0",
    }


COLD = (
    "import time, django; django.setup(); from copilot import tasks; "
    "started = time.perf_counter(); tasks.run_copilot({message}); "
    "print((time.perf_counter() - started) * 1000)"
)


def cold_run(message_id: int) -> float:
    """A copilot run in a process that has set Django up and nothing more, as a worker that
    django-q2 has just forked: the embedding model and the fitted models load on first use."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", COLD.format(message=message_id)],
        cwd=settings.BASE_DIR,
        env=worker_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def import_handbook() -> None:
    """The demo's approved handbook, without learning from its tickets (timed below)."""
    from knowledge import importing
    from knowledge.demo_seeding import HANDBOOK as DEMO_FILE

    result = importing.ImportResult()
    rows = importing.read_rows(DEMO_FILE, result.errors)
    importing.import_rows(rows, approve=True, team=None, actor=None, result=result)


def bench_in_process(messages: int) -> None:
    from copilot import tasks as copilot_tasks
    from integrations import tasks as integration_tasks
    from knowledge import tasks as knowledge_tasks
    from tickets import tasks as ticket_tasks
    from tickets.models import Ticket

    print("| task | runs | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    finished = Ticket.objects.filter(status__in=["resolved", "closed"]).values_list("pk", flat=True)
    learning = [timed(lambda t=t: knowledge_tasks.learn_from_ticket(t)) for t in finished]
    row("learning from a resolved ticket", learning)
    bodies = customer_messages(messages + 3)
    row("copilot run, first in a fresh worker", [cold_run(new_ticket(b).pk) for b in bodies[:3]])
    ids = [new_ticket(body).pk for body in bodies[3:]]
    row("copilot run", [timed(lambda m=m: copilot_tasks.run_copilot(m)) for m in ids])
    for name, task in [
        ("drafting overdue status updates (periodic)", copilot_tasks.draft_overdue_updates),
        ("calibrating thresholds (periodic)", copilot_tasks.calibrate_thresholds),
        ("closing resolved tickets (periodic)", ticket_tasks.auto_close_resolved),
        ("queuing due webhooks (periodic)", integration_tasks.send_due_webhooks),
    ]:
        row(name, [timed(task)])


def bench_burst(count: int) -> None:
    from django_q.models import OrmQ, Task

    OrmQ.objects.all().delete()
    Task.objects.all().delete()
    worker = Child(
        "task worker",
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
        worker_env(),
    )
    worker.start()
    try:
        time.sleep(15)  # the cluster starts and its workers load Django
        bodies = customer_messages(count)
        posted = time.perf_counter()
        for body in bodies:
            new_ticket(body)
        deadline = time.monotonic() + 600
        while Task.objects.filter(func="copilot.tasks.run_copilot").count() < count:
            if time.monotonic() > deadline:
                raise SystemExit("the burst did not finish in 10 minutes")
            time.sleep(0.5)
        wall = time.perf_counter() - posted
        done = Task.objects.filter(func="copilot.tasks.run_copilot")
        lags = [(t.stopped - t.started).total_seconds() * 1000 for t in done]
        failed = done.filter(success=False).count()
        print(
            f"\nburst: {count} customer messages posted in {wall:.1f} s with "
            f"{settings.Q_CLUSTER['workers']} workers ({failed} failed)"
        )
        print("| task | runs | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
        row("copilot run, queued to done", lags)
    finally:
        worker.terminate()
        worker.finish(deadline=time.monotonic() + 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    connection.settings_dict["TEST"]["NAME"] = f"vigil_bench_tasks_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_demo", verbosity=0)
        import_handbook()
        print(f"cores: {os.cpu_count()}  workers: {settings.Q_CLUSTER['workers']}\n")
        bench_in_process(args.messages)
        bench_burst(args.burst)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
