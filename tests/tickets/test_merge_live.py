"""Pages open on a merged ticket learn over their websocket where it went."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from tickets import merge_services, selectors, services
from vigil_site.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def two_tickets(team, customer):
    make = services.ticket_create
    first = make(team=team, customer=customer, subject="VM will not boot", body="Stuck.")
    second = make(team=team, customer=customer, subject="Still stuck", body="Any news?")
    return first, second


@database_sync_to_async
def merge(source, target, actor):
    merge_services.ticket_merge(source=source, target=target, actor=actor)


async def next_of(ws, kind):
    while True:
        event = await ws.receive_json_from(timeout=3)
        if event["type"] == kind:
            return event


async def test_staff_and_customer_pages_of_the_merged_ticket_are_told(team, customer, analyst):
    first, second = await two_tickets(team, customer)
    staff = WebsocketCommunicator(
        application, f"/ws/tickets/{second.pk}/", headers=[ORIGIN, await session_cookie(analyst)]
    )
    token = selectors.portal_token_for(second)
    portal = WebsocketCommunicator(application, f"/ws/support/{token}/", headers=[ORIGIN])
    assert (await staff.connect())[0]
    assert (await portal.connect())[0]
    try:
        await merge(second, first, analyst)
        told = await next_of(staff, "merged")
        assert told == {"type": "merged", "into": first.pk, "url": f"/tickets/{first.pk}/"}
        customer_told = await next_of(portal, "merged")
        target_page = reverse("portal:ticket", args=[selectors.portal_token_for(first)])
        assert customer_told == {"type": "merged", "into": first.pk, "url": target_page}
    finally:
        await staff.disconnect()
        await portal.disconnect()


async def test_the_targets_pages_fetch_the_moved_messages(team, customer, analyst):
    first, second = await two_tickets(team, customer)
    staff = WebsocketCommunicator(
        application, f"/ws/tickets/{first.pk}/", headers=[ORIGIN, await session_cookie(analyst)]
    )
    assert (await staff.connect())[0]
    try:
        await merge(second, first, analyst)
        assert await next_of(staff, "refetch") == {"type": "refetch"}
    finally:
        await staff.disconnect()
