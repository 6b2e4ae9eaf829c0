"""The load run's pieces that can be checked quickly: its counting, its fault schedule and its
LLM stub (through litellm, as the copilot calls it). The run itself is a benchmark
(`make loadtest`), not a test."""

import asyncio
import socket
import threading

import pytest
from aiohttp import web

from ai import llm
from bench.loadtest import faults, llm_stub, report
from bench.loadtest.report import Post, Window
from copilot.pipeline.llm_steps import Assessment


def post(key: str, status: int | None) -> Post:
    return Post(key=key, channel="api", kind="customer", ticket=1, sent_at=0.0, status=status)


def test_it_counts_lost_and_duplicated_messages_by_their_keys():
    posts = [
        post("a", 201),
        post("b", 201),  # acknowledged, never stored: lost
        post("c", None),  # no answer, stored anyway: not lost
        post("d", 302),  # the portal's redirect is its acknowledgement
        post("e", 500),  # a retry of "e" answered 200 below
        post("e", 200),
    ]
    stored = {"a": 1, "c": 1, "d": 2, "e": 1}

    counts = report.count_messages(posts, stored)

    assert counts == {
        "posted": 5,
        "acknowledged": 4,
        "stored": 4,
        "lost": 1,
        "duplicated": 1,
        "unanswered": 1,
    }


def test_it_counts_what_each_socket_missed_of_its_messages():
    expected = [({1, 2, 3}, {1, 2, 3, 9}), ({1, 2}, {2})]
    assert report.websocket_missing(expected) == (5, 4, 1)


def test_it_counts_5xx_answers_and_customer_messages_without_a_run():
    assert report.http_5xx({"200": 5, "500": 2, "503": 1, "ClientOSError": 4}) == 3
    assert report.copilot_missing([1, 2, 3], {1, 3}) == 1


def test_it_splits_latencies_at_the_fault_window():
    window = Window(start=10.0, end=20.0)
    samples = [(5.0, 1.0), (6.0, 3.0), (10.0, 100.0), (25.0, 7.0)]

    phases = report.by_phase(samples, window)

    assert phases["before"] == {"n": 2, "p50": 1.0, "p95": 3.0, "p99": 3.0}
    assert phases["during"]["p50"] == 100.0
    assert phases["after"]["n"] == 1


def test_the_faults_fit_in_a_one_minute_run_and_the_llm_is_down_for_two_minutes_of_ten():
    short, long = faults.schedule(1), faults.schedule(10)
    assert faults.window(short)[1] < 60
    assert next(f.lasts for f in long if f.name == "LLM stub down") == 120
    assert [f.name for f in short].count("kill -9 worker1") == 1
    assert {f.name for f in short} >= {"kill -9 web2", "restart redis", "kill -9 worker2"}


@pytest.fixture
def stub(settings, monkeypatch):
    """The stub on a free port, in a thread; litellm pointed at it as the load run does."""
    switches = llm_stub.Switches(latency_ms=0, piece_ms=0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(llm_stub.make_app(switches))
    listening = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        listening.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # The first request must not race the server's start (refused on a busy machine).
    assert listening.wait(timeout=30), "the LLM stub did not start listening"
    settings.VIGIL_LLM_MODELS = {"default": "openai/stub"}
    settings.VIGIL_LLM_RETRIES = 0
    monkeypatch.setenv("OPENAI_API_BASE", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-stub")
    yield switches
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def test_the_stub_assesses_and_streams_like_an_openai_model(stub):
    ask = [{"role": "user", "content": "Answer with JSON"}]
    assessment = llm.complete_json(purpose="copilot", messages=ask, schema=Assessment)
    streamed = llm.stream(purpose="copilot", messages=[{"role": "user", "content": "Answer"}])

    assert assessment.data.entries == [1]
    assert "".join(streamed) == llm_stub.ANSWER
    assert stub.answered == {"json": 1, "stream": 1}


def test_the_stub_switched_down_is_a_provider_outage_worth_retrying(stub):
    stub.update({"down": True})

    with pytest.raises(llm.LLMError) as failed:
        llm.complete(purpose="copilot", messages=[{"role": "user", "content": "Hi"}])

    assert failed.value.retryable
    assert stub.answered["503"] >= 1  # the provider client may try again by itself
