"""Benchmark of the knowledge base, printed as figures (not a test).

1. Import throughput (entries/s, embeddings included) of a knowledge JSONL file.
2. Hybrid search p50/p95 through ``knowledge_search`` and HNSW recall@10 against exact search,
   at 10k and 100k entries. The corpus is synthetic but shaped like real knowledge: every
   vector is a real entry's embedding plus noise, with that entry's text.
3. Learning time per resolved ticket without an LLM, on the demo tickets.

Runs in a throwaway database. Usage:
  python bench/knowledge.py --import-file KB.jsonl [--sizes 10000 100000] [--queries 200]
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings_test")

import logging

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from knowledge import importing, learning, selectors  # noqa: E402
from knowledge.models import KnowledgeEntry  # noqa: E402

TABLE = KnowledgeEntry._meta.db_table
INDEX = "knowledge_embedding_hnsw"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench_import(path: Path) -> tuple[int, float]:
    result = importing.ImportResult()
    rows = importing.read_rows(path, result.errors)
    started = time.perf_counter()
    importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
    return result.created, time.perf_counter() - started


def grow_corpus(size: int, rng: np.random.Generator) -> float:
    """Fill the table to ``size`` entries with noisy copies of the real ones; returns seconds
    spent building the HNSW index."""
    base = list(KnowledgeEntry.objects.values_list("question", "answer", "embedding")[:2000])
    centres = np.array([np.asarray(e, dtype=np.float32) for _, _, e in base])
    have = KnowledgeEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    now = timezone.now().isoformat()
    batch = 20_000
    for start in range(have, size, batch):
        count = min(batch, size - start)
        picks = rng.integers(0, len(base), count)
        noise = rng.normal(0, 0.035, (count, centres.shape[1])).astype(np.float32)
        vectors = centres[picks] + noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        buffer = io.StringIO()
        for n, (pick, vector) in enumerate(zip(picks, vectors, strict=True)):
            question, answer, _ = base[pick]
            text = "[" + ",".join(f"{x:.5f}" for x in vector) + "]"
            fields = [
                f"{question} ({start + n})",
                answer,
                "{}",
                "approved",
                "imported",
                "1",
                "",
                "0",
                "0",
                "0",
                "0",
                "f",
                "",
                "",
                text,
                "bench",
                now,
                now,
            ]
            buffer.write(
                "\t".join(
                    f.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ") for f in fields
                )
                + "\n"
            )
        columns = (
            "question, answer, tags, status, source, evidence_count, relation, "
            "times_suggested, times_accepted, times_edited, times_dismissed, flagged, "
            "flag_reason, reject_reason, embedding, embedding_model, created_at, updated_at"
        )
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        cursor.execute(
            f"CREATE INDEX {INDEX} ON {TABLE} USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 16, ef_construction = 64)"
        )
        cursor.execute(f"ANALYZE {TABLE}")
    return time.perf_counter() - started


def top10(vector: list[float], *, exact: bool) -> list[int]:
    with transaction.atomic(), connection.cursor() as cursor:
        if exact:
            cursor.execute("SET LOCAL enable_indexscan = off")
        else:
            cursor.execute("SET LOCAL hnsw.ef_search = 40")
        cursor.execute(
            f"SELECT id FROM {TABLE} ORDER BY embedding <=> %s::vector LIMIT 10",  # noqa: S608
            [str(vector)],
        )
        return [row[0] for row in cursor.fetchall()]


def bench_search(size: int, queries: int, rng: np.random.Generator) -> dict[str, float]:
    build = grow_corpus(size, rng)
    sample = list(
        KnowledgeEntry.objects.order_by("?").values_list("question", "embedding")[:queries]
    )
    recalls, timings = [], []
    for question, embedding in sample:
        vector = np.asarray(embedding, dtype=np.float32) + rng.normal(0, 0.02, len(embedding))
        vector = (vector / np.linalg.norm(vector)).tolist()
        exact = set(top10(vector, exact=True))
        recalls.append(len(exact & set(top10(vector, exact=False))) / 10)
        query = question.split(" (")[0]
        started = time.perf_counter()
        selectors.knowledge_search(query, team=None, limit=5, query_vector=vector)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "entries": KnowledgeEntry.objects.count(),
        "build_s": build,
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "recall": sum(recalls) / len(recalls),
    }


def bench_learning() -> tuple[int, float, int]:
    from django.core.management import call_command

    from tickets.models import Ticket

    call_command("seed_demo", verbosity=0)
    # Resolving the demo tickets already learned from them (tasks run inline here): start over.
    KnowledgeEntry.objects.filter(source=KnowledgeEntry.Source.LEARNED).delete()
    finished = list(
        Ticket.objects.filter(status__in=["resolved", "closed"]).select_related("team", "customer")
    )
    started = time.perf_counter()
    learned = sum(len(learning.learn_from_ticket(ticket)) for ticket in finished)
    return len(finished), time.perf_counter() - started, learned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-file", type=Path, required=True, help="knowledge JSONL file")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not args.import_file.is_file():
        parser.error(f"{args.import_file} is not a file")
    rng = np.random.default_rng(7)
    random.seed(7)
    connection.settings_dict["TEST"]["NAME"] = "vigil_bench_knowledge"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        created, seconds = bench_import(args.import_file)
        print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
        print(
            f"import: {created} entries in {seconds:.1f} s = {created / seconds:.0f} entries/s "
            "(embeddings included)"
        )
        tickets, learn_seconds, learned = bench_learning()
        print(
            f"learning without an LLM: {tickets} resolved tickets, {learned} results, "
            f"{learn_seconds / tickets * 1000:.0f} ms per ticket"
        )
        for size in sorted(args.sizes):
            figures = bench_search(size, args.queries, rng)
            print(
                f"search at {figures['entries']:,} entries: hybrid p50 {figures['p50']:.1f} ms, "
                f"p95 {figures['p95']:.1f} ms; HNSW recall@10 {figures['recall']:.3f} "
                f"(ef_search 40); index build {figures['build_s']:.0f} s"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
