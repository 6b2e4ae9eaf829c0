"""A local OpenAI-compatible chat server for the load run, switchable while it runs.

    python -m bench.loadtest.llm_stub --port 8103 [--latency-ms 40] [--piece-ms 2]

``POST /v1/chat/completions`` answers like the OpenAI API: a JSON object when JSON mode is asked
for (the copilot's assessment: in scope, answerable, confident, entry 1), else a short answer
citing [1], streamed as server-sent events when ``stream`` is set. ``POST /control`` with any of
``{"down": true, "latency_ms": 200, "fail_rate": 0.1}`` switches it: down answers every call with
503 (a provider outage); ``fail_rate`` answers that share of calls with 500. ``GET /control``
gives the switches and what was answered. The copilot reaches it through litellm's own
variables: ``VIGIL_LLM_MODEL=openai/stub``, ``OPENAI_API_BASE=http://127.0.0.1:<port>/v1``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ANSWER = (
    "Thanks for the details. This is covered in our handbook: follow the steps in the entry "
    "below and tell us if the problem stays [1]."
)
ASSESSMENT = {
    "in_scope": True,
    "question": "How do I solve this problem?",
    "answerable": True,
    "confidence": 0.9,
    "entries": [1],
}


@dataclass
class Switches:
    down: bool = False
    latency_ms: float = 40.0
    piece_ms: float = 2.0
    fail_rate: float = 0.0
    answered: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "down": self.down,
            "latency_ms": self.latency_ms,
            "piece_ms": self.piece_ms,
            "fail_rate": self.fail_rate,
            "answered": dict(self.answered),
        }

    def update(self, changes: dict[str, Any]) -> None:
        if "down" in changes:
            self.down = bool(changes["down"])
        for name in ("latency_ms", "piece_ms", "fail_rate"):
            if name in changes:
                setattr(self, name, max(0.0, float(changes[name])))


def wants_json(body: dict[str, Any]) -> bool:
    return (body.get("response_format") or {}).get("type") == "json_object"


def completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    """A non-streamed chat completion, as the OpenAI API shapes it."""
    return {
        "id": f"chatcmpl-stub-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130},
    }


def chunks(body: dict[str, Any], content: str) -> list[dict[str, Any]]:
    """The streamed form of ``content``: one chunk per word, then the finishing chunk."""
    base = {
        "id": f"chatcmpl-stub-{time.monotonic_ns()}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
    }
    words = content.split(" ")
    pieces = [word + (" " if n < len(words) - 1 else "") for n, word in enumerate(words)]
    out = [
        {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces
    ]
    out.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return out


def make_app(switches: Switches) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if switches.down:
            switches.answered["503"] += 1
            error = {"error": {"message": "The stub is down.", "type": "server_error"}}
            return web.json_response(error, status=503)
        await asyncio.sleep(switches.latency_ms / 1000)
        if random.random() < switches.fail_rate:
            switches.answered["500"] += 1
            error = {"error": {"message": "A failure of the stub.", "type": "server_error"}}
            return web.json_response(error, status=500)
        content = json.dumps(ASSESSMENT) if wants_json(body) else ANSWER
        if not body.get("stream"):
            switches.answered["json" if wants_json(body) else "text"] += 1
            return web.json_response(completion(body, content))
        switches.answered["stream"] += 1
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for chunk in chunks(body, content):
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
            await asyncio.sleep(switches.piece_ms / 1000)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def control(request: web.Request) -> web.Response:
        if request.method == "POST":
            switches.update(await request.json())
        return web.json_response(switches.as_json())

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/chat/completions", chat)
    app.router.add_route("*", "/control", control)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--piece-ms", type=float, default=2.0)
    args = parser.parse_args()
    switches = Switches(latency_ms=args.latency_ms, piece_ms=args.piece_ms)
    web.run_app(make_app(switches), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
