"""The queue's websocket: told which ticket changed, only in the teams its user sees."""

import pytest
from channels.db import database_sync_to_async

from tests.factories import UserFactory
from tests.tickets.test_consumers import closed_with, communicator, session_cookie
from tickets import services
from tickets.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
URL = "/ws/queue/"


async def queue_socket(user):
    ws = communicator(URL, await session_cookie(user))
    connected, code = await ws.connect()
    assert connected, code
    return ws


async def tickets_named(ws):
    """The ticket ids of the events that arrive until none has for a moment."""
    ids = set()
    while not await ws.receive_nothing(timeout=0.4):
        event = await ws.receive_json_from(timeout=1)
        assert set(event) == {"type", "ticket"}
        assert event["type"] == "queue"
        ids.add(event["ticket"])
    return ids


create = database_sync_to_async(services.ticket_create)


async def test_a_new_ticket_reaches_its_teams_queues_only(
    analyst, other_analyst, team, other_team, customer
):
    mine, theirs = await queue_socket(analyst), await queue_socket(other_analyst)
    try:
        ticket = await create(team=team, customer=customer, subject="New", body="Help")
        assert await tickets_named(mine) == {ticket.pk}
        assert await tickets_named(theirs) == set()
        other = await create(team=other_team, customer=customer, subject="Theirs", body="Hi")
        assert await tickets_named(theirs) == {other.pk}
        assert await tickets_named(mine) == set()
    finally:
        await mine.disconnect()
        await theirs.disconnect()


async def test_reassigned_reopened_and_answered_tickets_are_announced(analyst, ticket):
    ws = await queue_socket(analyst)
    try:
        await database_sync_to_async(services.ticket_assign)(
            ticket=ticket, actor=analyst, assignee=analyst
        )
        assert await tickets_named(ws) == {ticket.pk}
        await database_sync_to_async(services.ticket_change_status)(
            ticket=ticket, actor=analyst, status="resolved"
        )
        assert await tickets_named(ws) == {ticket.pk}
        # The customer writes again: the ticket reopens.
        await database_sync_to_async(services.message_create)(
            ticket=ticket, kind="customer", body="It broke again."
        )
        assert await tickets_named(ws) == {ticket.pk}
    finally:
        await ws.disconnect()


async def test_a_moved_ticket_reaches_the_team_it_left_and_the_one_it_joined(
    analyst, other_analyst, ticket, other_team, manager
):
    mine, theirs = await queue_socket(analyst), await queue_socket(other_analyst)
    everything = await queue_socket(manager)
    try:
        await database_sync_to_async(services.ticket_move)(
            ticket=ticket, actor=manager, team=other_team
        )
        # The team it left drops its row; the team it joined shows it; a manager sees both.
        assert await tickets_named(mine) == {ticket.pk}
        assert await tickets_named(theirs) == {ticket.pk}
        assert await tickets_named(everything) == {ticket.pk}
    finally:
        for ws in (mine, theirs, everything):
            await ws.disconnect()


async def test_managers_hear_of_every_team(manager, team, other_team, customer):
    ws = await queue_socket(manager)
    try:
        one = await create(team=team, customer=customer, subject="A", body="a")
        two = await create(team=other_team, customer=customer, subject="B", body="b")
        assert await tickets_named(ws) == {one.pk, two.pk}
    finally:
        await ws.disconnect()


async def test_an_analyst_removed_from_the_team_hears_nothing_more(analyst, team, customer):
    ws = await queue_socket(analyst)
    try:
        await database_sync_to_async(team.members.remove)(analyst)
        await create(team=team, customer=customer, subject="Secret", body="x")
        output = await ws.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    finally:
        await ws.disconnect()


async def test_it_refuses_anonymous_users_and_users_without_a_role(db):
    assert await closed_with(communicator(URL)) == CLOSE_UNAUTHENTICATED
    nobody = await database_sync_to_async(UserFactory)(username="nobody")
    ws = communicator(URL, await session_cookie(nobody))
    assert await closed_with(ws) == CLOSE_FORBIDDEN
