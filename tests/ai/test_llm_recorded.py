"""The model interface against provider responses replayed over a real socket.

A local HTTP server answers litellm exactly as OpenAI's chat-completions API does (a JSON body,
or a server-sent event stream), so the whole provider path runs: request building, response
parsing, token usage, streaming. Only the provider is played back; the keys are fake.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import BaseModel

from ai import llm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "llm"
MESSAGES = [{"role": "user", "content": "Answer in JSON, please."}]


class Assessment(BaseModel):
    in_scope: bool
    answerable: bool
    confidence: float
    entries: list[int]
    question: str | None = None


class Provider(BaseHTTPRequestHandler):
    body = b""
    content_type = "application/json"
    requests: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        Provider.requests.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "json": json.loads(self.rfile.read(length)),
            }
        )
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings, monkeypatch):
    Provider.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"}
    settings.VIGIL_LLM_RETRIES = 0
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_API_BASE", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    yield Provider
    server.shutdown()
    server.server_close()


def test_it_reads_a_recorded_json_answer(provider):
    provider.body = (FIXTURES / "openai_chat_completion.json").read_bytes()
    provider.content_type = "application/json"

    result = llm.complete_json(purpose="copilot", messages=MESSAGES, schema=Assessment)

    assert result.data == Assessment(
        in_scope=True,
        answerable=True,
        confidence=0.82,
        entries=[1],
        question="How do I reset a stuck VM?",
    )
    assert result.completion.prompt_tokens == 412
    assert result.completion.completion_tokens == 31
    [request] = provider.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test-not-a-real-key"
    assert request["json"]["response_format"] == {"type": "json_object"}
    assert request["json"]["messages"] == MESSAGES


def test_it_refuses_a_recorded_answer_that_breaks_the_model(provider):
    recorded = json.loads((FIXTURES / "openai_chat_completion.json").read_text())
    recorded["choices"][0]["message"]["content"] = '{"in_scope": true, "confidence": "high"}'
    provider.body = json.dumps(recorded).encode()
    provider.content_type = "application/json"

    with pytest.raises(llm.LLMError) as caught:
        llm.complete_json(purpose="copilot", messages=MESSAGES, schema=Assessment)

    assert caught.value.retryable is False
    assert "answerable" in str(caught.value)
    assert "confidence" in str(caught.value)


def test_it_streams_a_recorded_answer(provider):
    provider.body = (FIXTURES / "openai_chat_stream.txt").read_bytes()
    provider.content_type = "text/event-stream"

    answer = llm.stream(purpose="copilot", messages=MESSAGES)
    pieces = list(answer)

    assert pieces == ["Stop the VM", " from the console, then start it again [1]."]
    assert answer.completion is not None
    assert answer.completion.text == "Stop the VM from the console, then start it again [1]."
    assert provider.requests[0]["json"]["stream"] is True
