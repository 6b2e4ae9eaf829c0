import asyncio
import os
import subprocess
import sys

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from tickets import selectors
from vigil_site.asgi import application
from vigil_site.embedded_redis import channel_layer, start_embedded_redis

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PUBLISH = (
    "import django; django.setup(); "
    "from tickets import realtime; realtime.publish_ticket_changed({ticket})"
)


@pytest.fixture
def embedded_redis(tmp_path, settings):
    client, url = start_embedded_redis(tmp_path)
    settings.CHANNEL_LAYERS = {"default": channel_layer(url)}
    channel_layers.backends.clear()
    yield url
    channel_layers.backends.clear()
    client.shutdown()


async def test_an_event_from_another_process_reaches_the_page(ticket, embedded_redis):
    """What `make run` relies on: the worker process publishes, daphne's socket receives."""
    token = await database_sync_to_async(selectors.portal_token_for)(ticket)
    ws = WebsocketCommunicator(
        application, f"/ws/support/{token}/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await ws.connect()
    assert connected
    try:
        # Idle longer than the layer's 5 s wait for messages: the socket must stay up.
        await asyncio.sleep(6)
        env = {
            "VIGIL_CHANNELS_URL": embedded_redis,
            "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
        }
        completed = await database_sync_to_async(subprocess.run)(
            [sys.executable, "-c", PUBLISH.format(ticket=ticket.pk)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr
        assert await ws.receive_json_from(timeout=5) == {"type": "changed"}
    finally:
        await ws.disconnect()
