"""A web process hands its websocket events to a publishing thread and never waits for them."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from tickets import realtime, selectors
from vigil_site.asgi import application
from vigil_site.embedded_redis import channel_layer, start_embedded_redis

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

BUSY_S = 1.5


@pytest.fixture
def redis_layer(tmp_path, settings):
    client, url = start_embedded_redis(tmp_path)
    settings.CHANNEL_LAYERS = {"default": channel_layer(url)}
    channel_layers.backends.clear()
    yield url
    if realtime._publisher is not None:
        realtime._publisher.close()
    realtime._publisher = None
    channel_layers.backends.clear()
    client.shutdown()


async def publish_while_the_loop_is_busy(ticket_id: int) -> float:
    """How long a view's publish takes while the server's event loop is busy for BUSY_S."""
    loop = asyncio.get_running_loop()

    def view() -> float:
        loop.call_soon_threadsafe(time.sleep, BUSY_S)  # the loop serves something else
        time.sleep(0.05)  # ... from now on
        started = time.monotonic()
        realtime.publish_ticket_changed(ticket_id)  # outside a transaction: sent at once
        return time.monotonic() - started

    return await sync_to_async(view)()


async def portal_socket(ticket):
    token = await database_sync_to_async(selectors.portal_token_for)(ticket)
    ws = WebsocketCommunicator(
        application, f"/ws/support/{token}/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def test_a_view_does_not_wait_for_the_event_loop_to_publish(ticket, redis_layer):
    assert realtime.publish_in_background()
    ws = await portal_socket(ticket)
    try:
        took = await publish_while_the_loop_is_busy(ticket.pk)
        assert took < BUSY_S / 3
        assert await ws.receive_json_from(timeout=10) == {"type": "changed"}
    finally:
        await ws.disconnect()


async def test_without_the_publishing_thread_the_view_waited_for_the_loop(ticket, redis_layer):
    """The defect the thread removes, kept visible: the same publish blocked on the loop."""
    realtime._publisher = None
    ws = await portal_socket(ticket)
    try:
        took = await publish_while_the_loop_is_busy(ticket.pk)
        assert took >= BUSY_S / 2
        assert await ws.receive_json_from(timeout=10) == {"type": "changed"}
    finally:
        await ws.disconnect()


async def test_events_are_sent_in_the_order_they_were_handed_over(ticket, redis_layer):
    assert realtime.publish_in_background()
    layer = channel_layers["default"]
    channel = await layer.new_channel()
    await layer.group_add("ordering", channel)
    for n in range(50):
        realtime._group_send("ordering", {"type": "count", "n": n})
    received = [(await layer.receive(channel))["n"] for _ in range(50)]
    assert received == list(range(50))


async def test_the_in_memory_layer_keeps_publishing_on_the_servers_loop(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        assert not realtime.publish_in_background()
        assert realtime._publisher is None
    finally:
        channel_layers.backends.clear()
