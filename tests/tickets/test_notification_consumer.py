"""The bell's websocket: the unread count on connect, and again as soon as it changes."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.factories import UserFactory
from tickets import notification_services, services
from tickets.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tickets.models import Message
from vigil_site.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://localhost")
PATH = "/ws/notifications/"


@database_sync_to_async
def logged_in(user):
    client = Client()
    client.force_login(user)
    return client, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def communicator(*headers):
    return WebsocketCommunicator(application, PATH, headers=[ORIGIN, *headers])


@database_sync_to_async
def assign(ticket, actor, assignee):
    services.ticket_assign(ticket=ticket, actor=actor, assignee=assignee)


@database_sync_to_async
def customer_writes(ticket, body):
    services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body=body)


@database_sync_to_async
def make_colleague(team):
    return UserFactory(username="lena", roles=["analyst"], teams=[team])


async def test_the_count_arrives_live(ticket, analyst, team):
    colleague = await make_colleague(team)
    _, cookie = await logged_in(analyst)
    ws = communicator(cookie)
    connected, _ = await ws.connect()
    assert connected
    try:
        assert await ws.receive_json_from(timeout=3) == {"type": "count", "unread": 0}
        await assign(ticket, colleague, analyst)
        assert await ws.receive_json_from(timeout=3) == {"type": "count", "unread": 1}
        await customer_writes(ticket, "Any news?")
        assert await ws.receive_json_from(timeout=3) == {"type": "count", "unread": 2}
        await database_sync_to_async(notification_services.notifications_mark_all_read)(
            user=analyst
        )
        assert await ws.receive_json_from(timeout=3) == {"type": "count", "unread": 0}
    finally:
        await ws.disconnect()


async def test_another_users_news_does_not_reach_you(ticket, analyst, team, manager):
    colleague = await make_colleague(team)
    _, cookie = await logged_in(colleague)
    ws = communicator(cookie)
    await ws.connect()
    try:
        assert await ws.receive_json_from(timeout=3) == {"type": "count", "unread": 0}
        await assign(ticket, manager, analyst)
        assert await ws.receive_nothing(timeout=0.5)
    finally:
        await ws.disconnect()


async def test_it_refuses_anonymous_and_role_less_users(nobody):
    ws = communicator()
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_output(timeout=3))["code"] == CLOSE_UNAUTHENTICATED
    await ws.disconnect()
    _, cookie = await logged_in(nobody)
    ws = communicator(cookie)
    await ws.connect()
    assert (await ws.receive_output(timeout=3))["code"] == CLOSE_FORBIDDEN
    await ws.disconnect()


async def test_a_logged_out_session_stops_the_stream(ticket, analyst, team):
    colleague = await make_colleague(team)
    client, cookie = await logged_in(analyst)
    ws = communicator(cookie)
    await ws.connect()
    try:
        await ws.receive_json_from(timeout=3)
        await database_sync_to_async(client.logout)()
        await assign(ticket, colleague, analyst)
        output = await ws.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    finally:
        await ws.disconnect()
