import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message as Headers
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from integrations import services, signing
from integrations.models import Event


@pytest.fixture
def credentials(team):
    return services.integration_create(name="Chat bridge", slug="chat", team=team)


@pytest.fixture
def integration(credentials):
    return credentials.integration


def delivery(**overrides):
    """An inbound body; ``conversation``/``message`` overrides merge into the defaults."""
    body = {
        "delivery_id": "d-1",
        "conversation": {
            "id": "conv-1",
            "subject": "Cannot reach my VM",
            "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        },
        "message": {"id": "m-1", "author": "Ada Lovelace", "role": "customer", "text": "Help!"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


@pytest.fixture
def post_inbound(client, integration):
    """POST a body to the integration's inbound URL, signed with its secret unless told."""

    def post(body, *, secret=None, timestamp=None, slug=None, headers=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        signed = signing.signed_headers(
            secret or integration.secret, raw, now=time.time() if timestamp is None else timestamp
        )
        sent = signed if headers is None else headers
        return client.post(
            reverse("integrations:inbound", args=[slug or integration.slug]),
            data=raw,
            content_type="application/json",
            headers=sent,
        )

    return post


@dataclass
class Received:
    path: str
    headers: Headers
    body: bytes


@dataclass
class WebhookServer:
    """A real HTTP server on 127.0.0.1 that answers ``statuses`` in turn, then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def json(self, index=-1):
        return json.loads(self.received[index].body)


@pytest.fixture
def webhook_server():
    server_state = WebhookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            server_state.received.append(Received(self.path, self.headers, body))
            if server_state.delay:
                time.sleep(server_state.delay)
            status = server_state.statuses.pop(0) if server_state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{server.server_port}/hooks/vigil"
    yield server_state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A local URL nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def endpoint(integration, webhook_server):
    return services.endpoint_create(
        integration=integration, url=webhook_server.url, events=Event.values
    )
