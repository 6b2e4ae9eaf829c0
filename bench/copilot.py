"""Benchmark of the copilot, printed as figures (not a test).

1. Latency from a customer message being saved to the suggestion's first bytes on a connected
   websocket (the full ASGI stack), with 10k approved entries: for the local engine the first
   bytes are the panel event, for the LLM engine (mocked at zero latency) the first streamed
   piece of the answer.
2. LLM calls and tokens per customer message when the LLM engine (mocked) replays recorded
   conversations: messages the gate rejects must cost none.

Runs in a throwaway database. Usage:
  python bench/copilot.py --import-file KB.jsonl --replay CONVERSATIONS.jsonl
         [--entries 10000] [--messages 500] [--conversations 200]
"""

import argparse
import asyncio
import importlib.util
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings_test")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import post_save  # noqa: E402

from ai import llm  # noqa: E402
from copilot.models import CopilotRun, Suggestion  # noqa: E402
from copilot.pipeline import gate  # noqa: E402
from knowledge.extraction import is_non_answer  # noqa: E402
from knowledge.models import KnowledgeEntry  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Customer, Message, Team  # noqa: E402

ASSESSMENT = json.dumps(
    {"in_scope": True, "question": "q", "answerable": True, "confidence": 0.9, "entries": [1]}
)
ANSWER = "Follow the steps in the entry [1]: " + "then check the result. " * 6


def knowledge_bench():
    spec = importlib.util.spec_from_file_location(
        "knowledge_bench", Path(__file__).with_name("knowledge.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mock_llm(enabled: bool) -> None:
    """The LLM engine with litellm's mock responses: no provider, no network, no latency."""
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"} if enabled else {}
    real_json, real_stream = llm._real_json, llm._real_stream  # type: ignore[attr-defined]
    llm.complete_json = lambda **kw: real_json(**kw, mock_response=ASSESSMENT)
    llm.stream = lambda **kw: real_stream(**kw, mock_response=ANSWER)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def bench_latency(questions: list[str], first: str) -> list[float]:
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from vigil_site.asgi import application

    @database_sync_to_async
    def setup():
        from copilot.models import TeamCopilotSettings

        team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        # No threshold: this measures delivery, not the decision (silent runs are not counted).
        TeamCopilotSettings.objects.get_or_create(team=team, defaults={"threshold": 0.0})
        user, _ = User.objects.get_or_create(username=f"bench-{first}")
        user.groups.add(Group.objects.get_or_create(name="analyst")[0])
        team.members.add(user)
        customer, _ = Customer.objects.get_or_create(
            email="bench@example.com", defaults={"name": "B"}
        )
        ticket = services.ticket_create(team=team, customer=customer, subject="Bench", body="hi")
        client = Client()
        client.force_login(user)
        return ticket, f"sessionid={client.cookies['sessionid'].value}".encode()

    ticket, cookie = await setup()
    saved_at: list[float] = []

    def on_save(sender, instance, created, **kwargs):
        if created and instance.kind == Message.Kind.CUSTOMER:
            saved_at.append(time.perf_counter())

    post_save.connect(on_save, sender=Message, weak=False)

    @database_sync_to_async
    def ask(text: str) -> bool:
        """Save a customer message; True when the copilot spoke on it."""
        Suggestion.objects.filter(ticket=ticket).update(state=Suggestion.State.DISMISSED)
        message, _ = services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body=text)
        return CopilotRun.objects.filter(
            message=message, decision=CopilotRun.Decision.SPEAK
        ).exists()

    async def spoke(asking: asyncio.Future) -> bool:
        """Wait for the first event of kind ``first``; False when the copilot stayed silent."""
        while True:
            receiving = asyncio.ensure_future(ws.receive_json_from(timeout=20))
            await asyncio.wait({receiving, asking}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done() and not asking.result():
                receiving.cancel()
                return False
            if (await receiving)["type"] == first:
                return True

    headers = [(b"origin", b"http://localhost"), (b"cookie", cookie)]
    ws = WebsocketCommunicator(application, f"/ws/tickets/{ticket.pk}/", headers=headers)
    assert (await ws.connect())[0]
    latencies = []
    try:
        for text in questions:
            task = asyncio.ensure_future(ask(text))
            if await spoke(task):
                latencies.append((time.perf_counter() - saved_at[-1]) * 1000)
            await task
            await ws.receive_nothing(timeout=0.05)  # drain the rest of this answer
            while not await ws.receive_nothing(timeout=0.01):
                await ws.receive_output()
    finally:
        post_save.disconnect(on_save, sender=Message)
        await ws.disconnect()
    return latencies


def bench_replay(path: Path, conversations: int) -> dict[str, float]:
    team, _ = Team.objects.get_or_create(slug="replay", defaults={"name": "Replay"})
    customer, _ = Customer.objects.get_or_create(email="replay@example.com", defaults={"name": "R"})
    runs = []
    with path.open(encoding="utf-8") as handle:
        for _, line in zip(range(conversations), handle, strict=False):
            convo = json.loads(line)
            texts = [m for m in convo["messages"] if m["text"].strip()]
            if not texts:
                continue
            # Opening a ticket runs the copilot on its first message (tasks run inline here).
            ticket = services.ticket_create(
                team=team,
                customer=customer,
                subject=convo.get("subject") or "Replay",
                body=texts[0]["text"][:9000],
            )
            runs.append(CopilotRun.objects.get(ticket=ticket))
    calls = [r.llm_calls for r in runs]
    return {
        "messages": len(runs),
        "calls_per_message": sum(calls) / len(runs),
        "zero_call_share": sum(1 for c in calls if c == 0) / len(runs),
        "gate_rejected_with_calls": sum(
            1
            for r in runs
            if r.gate_probability is not None and r.gate_probability < gate.CUTOFF and r.llm_calls
        ),
        "tokens_per_message": sum(r.tokens for r in runs) / len(runs),
        "spoke": sum(1 for r in runs if r.decision == CopilotRun.Decision.SPEAK) / len(runs),
        "reasons": Counter(r.reason.split(" (")[0] for r in runs).most_common(4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-file", type=Path, required=True)
    parser.add_argument("--replay", type=Path, required=True)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()
    for path in (args.import_file, args.replay):
        if not path.is_file():
            parser.error(f"{path} is not a file")
    llm._real_json, llm._real_stream = llm.complete_json, llm.stream  # type: ignore[attr-defined]
    kb = knowledge_bench()
    connection.settings_dict["TEST"]["NAME"] = "vigil_bench_copilot"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        kb.bench_import(args.import_file)
        kb.grow_corpus(args.entries, np.random.default_rng(7))
        # Questions the copilot can speak on: the gate passes them, their entry holds an answer.
        base = KnowledgeEntry.objects.order_by("pk").values_list("question", "answer")
        questions = [
            f"How do I {q.split(' (')[0]}?" for q, a in base[:2000] if not is_non_answer(a)
        ]
        questions = [q for q in questions if gate.classify(q).probability >= gate.CUTOFF]
        questions = questions[: args.messages]
        questions = (questions * (args.messages // max(len(questions), 1) + 1))[: args.messages]
        print(f"cores: {os.cpu_count()}  entries: {KnowledgeEntry.objects.count():,}")
        for engine, first in (("local", "copilot"), ("llm", "piece")):
            mock_llm(engine == "llm")
            latencies = asyncio.run(bench_latency(questions, first))
            print(
                f"{engine} engine: saved -> first bytes on the websocket over {len(latencies)} "
                f"messages: p50 {percentile(latencies, 50):.1f} ms, "
                f"p95 {percentile(latencies, 95):.1f} ms"
                f" ({len(questions) - len(latencies)} silent, not measured)"
            )
        mock_llm(True)
        figures = bench_replay(args.replay, args.conversations)
        print(
            f"replay (LLM engine mocked), {figures['messages']} opening messages: "
            f"{figures['calls_per_message']:.2f} LLM calls and "
            f"{figures['tokens_per_message']:.0f} tokens per message; "
            f"{figures['zero_call_share']:.0%} cost no call; "
            f"gate-rejected messages with a call: {figures['gate_rejected_with_calls']}; "
            f"spoke on {figures['spoke']:.0%}; top reasons: {figures['reasons']}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
