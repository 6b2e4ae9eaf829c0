import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tickets import selectors, services
from tickets.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from vigil_site.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def communicator(path, *headers):
    return WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])


@database_sync_to_async
def post(ticket, body, **kwargs):
    return services.message_create(ticket=ticket, body=body, **kwargs)[0]


async def next_message(ws):
    """The next pushed message, skipping "changed" events (status moves ride along)."""
    while True:
        event = await ws.receive_json_from(timeout=3)
        if event["type"] == "message":
            return event


async def closed_with(ws):
    """The close code a refused socket gets. It is accepted first: a handshake refused before
    accepting reaches the client as a bare HTTP 403, without a code to tell why."""
    connected, _ = await ws.connect()
    assert connected
    output = await ws.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    await ws.disconnect()
    return output["code"]


async def test_it_refuses_anonymous_users(ticket):
    ws = communicator(f"/ws/tickets/{ticket.pk}/")
    assert await closed_with(ws) == CLOSE_UNAUTHENTICATED


async def test_it_refuses_another_teams_analyst(ticket, other_analyst):
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(other_analyst))
    assert await closed_with(ws) == CLOSE_FORBIDDEN


async def test_it_refuses_unknown_tickets(analyst, db):
    ws = communicator("/ws/tickets/987654/", await session_cookie(analyst))
    assert await closed_with(ws) == CLOSE_FORBIDDEN


async def test_it_refuses_a_foreign_origin(ticket, analyst):
    ws = WebsocketCommunicator(
        application,
        f"/ws/tickets/{ticket.pk}/",
        headers=[(b"origin", b"http://evil.example"), await session_cookie(analyst)],
    )
    connected, _ = await ws.connect()
    assert not connected
    await ws.disconnect()


async def test_staff_receive_every_message_as_it_is_saved(ticket, analyst):
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    connected, code = await ws.connect()
    assert connected, code
    try:
        message = await post(ticket, "Is there an update?", kind="customer")
        event = await next_message(ws)
        assert event["id"] == f"message-{message.pk}"
        assert "Is there an update?" in event["html"]
        await post(ticket, "hypervisor NIC flap", kind="analyst", internal=True)
        note = await next_message(ws)
        assert "msg--internal" in note["html"]
        await post(ticket, "We are on it", kind="analyst")
        assert "We are on it" in (await next_message(ws))["html"]
        await database_sync_to_async(services.ticket_change_status)(
            ticket=ticket, actor=analyst, status="resolved"
        )
        assert await ws.receive_json_from(timeout=3) == {"type": "changed"}
    finally:
        await ws.disconnect()


async def test_customers_receive_public_messages_only(ticket, analyst):
    token = await database_sync_to_async(selectors.portal_token_for)(ticket)
    ws = communicator(f"/ws/support/{token}/")
    connected, _ = await ws.connect()
    assert connected
    try:
        await post(ticket, "internal: refund approved", kind="analyst", internal=True)
        await post(ticket, "Your refund is on its way", kind="analyst")
        event = await next_message(ws)
        assert "Your refund is on its way" in event["html"]
        assert "internal: refund approved" not in event["html"]
        assert await ws.receive_nothing(timeout=0.3)
    finally:
        await ws.disconnect()


async def test_a_forged_portal_token_is_refused(ticket):
    token = await database_sync_to_async(selectors.portal_token_for)(ticket)
    ws = communicator(f"/ws/support/{token[:-2]}xx/")
    assert await closed_with(ws) == CLOSE_FORBIDDEN


@pytest.mark.parametrize("how", ["moved", "removed_from_team", "logged_out", "deactivated"])
async def test_losing_access_stops_the_stream(ticket, analyst, other_team, how):
    cookie = await session_cookie(analyst)
    ws = communicator(f"/ws/tickets/{ticket.pk}/", cookie)
    connected, _ = await ws.connect()
    assert connected

    @database_sync_to_async
    def revoke():
        from django.contrib.sessions.models import Session

        if how == "moved":
            services.ticket_move(ticket=ticket, actor=analyst, team=other_team)
        elif how == "removed_from_team":
            ticket.team.members.remove(analyst)
        elif how == "logged_out":
            Session.objects.all().delete()
        else:
            type(analyst).objects.filter(pk=analyst.pk).update(is_active=False)

    try:
        await revoke()
        await post(ticket, "internal: credit card ends 4242", kind="analyst", internal=True)
        output = await ws.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    finally:
        await ws.disconnect()


async def test_pieces_of_a_streamed_answer_reach_staff_but_not_the_portal(ticket, analyst):
    from tickets import realtime

    staff = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    token = await database_sync_to_async(selectors.portal_token_for)(ticket)
    portal = communicator(f"/ws/support/{token}/")
    assert (await staff.connect())[0]
    assert (await portal.connect())[0]
    try:
        await database_sync_to_async(realtime.publish_copilot_changed)(ticket.pk)
        await database_sync_to_async(realtime.publish_copilot_piece)(ticket.pk, 7, "Boot ")
        assert await staff.receive_json_from(timeout=3) == {"type": "copilot"}
        piece = await staff.receive_json_from(timeout=3)
        assert piece == {"type": "piece", "suggestion": 7, "text": "Boot "}
        assert await portal.receive_nothing(timeout=0.3)
    finally:
        await staff.disconnect()
        await portal.disconnect()


@database_sync_to_async
def publish_in_a_transaction(ticket, *, commit):
    from django.db import transaction

    from tickets import realtime

    class RolledBack(Exception):
        pass

    try:
        with transaction.atomic():
            realtime.publish_copilot_changed(ticket.pk)
            realtime.publish_ticket_changed(ticket.pk)
            if not commit:
                raise RolledBack
    except RolledBack:
        pass


async def test_publishers_send_only_what_was_committed(ticket, analyst):
    staff = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    assert (await staff.connect())[0]
    try:
        await publish_in_a_transaction(ticket, commit=False)
        assert await staff.receive_nothing(timeout=0.3)
        await publish_in_a_transaction(ticket, commit=True)
        assert await staff.receive_json_from(timeout=3) == {"type": "copilot"}
        assert (await staff.receive_json_from(timeout=3))["type"] == "changed"
    finally:
        await staff.disconnect()
