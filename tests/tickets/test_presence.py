"""Who else has a ticket open, and who is typing: over the ticket's websocket, with expiry."""

import pytest
from channels.db import database_sync_to_async

from tests.factories import UserFactory
from tests.tickets.test_consumers import communicator, session_cookie
from tickets.presence import Roster

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_roster_lists_others_once_each_and_forgets_the_silent():
    roster = Roster(me=1, ttl=30)
    assert roster.saw("a", user_id=2, name="Olga", typing=False, now=0) is True
    assert roster.saw("b", user_id=2, name="Olga", typing=True, now=1) is True
    assert roster.saw("c", user_id=1, name="Me", typing=True, now=1) is True
    assert roster.saw("d", user_id=3, name="ada", typing=False, now=2) is True
    assert roster.saw("d", user_id=3, name="ada", typing=False, now=3) is False
    # Olga has two tabs (typing in one); my own other tab is not listed.
    assert [p.as_json() for p in roster.people()] == [
        {"name": "ada", "typing": False},
        {"name": "Olga", "typing": True},
    ]
    roster.prune(now=10)  # a typing not said again for 8 s has stopped
    assert [p.typing for p in roster.people()] == [False, False]
    roster.prune(now=32)  # Olga's tabs have been silent for over 30 s
    assert [p.name for p in roster.people()] == ["ada"]
    roster.left("d")
    assert roster.people() == []


async def ticket_socket(user, ticket):
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(user))
    connected, code = await ws.connect()
    assert connected, code
    return ws


async def here(ws, typing=False):
    await ws.send_json_to({"type": "presence", "typing": typing})


async def people(ws):
    """The next list of others this page is told of (other events are skipped)."""
    while True:
        event = await ws.receive_json_from(timeout=3)
        if event["type"] == "presence":
            return event["people"]


@pytest.fixture
def colleague(team):
    return UserFactory(
        username="olga", first_name="Olga", last_name="Berg", teams=[team], roles=["analyst"]
    )


@pytest.fixture
def sam(analyst):
    analyst.first_name, analyst.last_name = "Sam", "Okafor"
    analyst.save()
    return analyst


@pytest.mark.asyncio
async def test_two_analysts_see_each_other_and_who_types(sam, colleague, ticket):
    first = await ticket_socket(sam, ticket)
    await here(first)
    second = await ticket_socket(colleague, ticket)
    try:
        await here(second)
        # Sam was here first: Olga's page learns of him, his of her.
        assert await people(second) == [{"name": "Sam Okafor", "typing": False}]
        assert await people(first) == [{"name": "Olga Berg", "typing": False}]
        await here(second, typing=True)
        assert await people(first) == [{"name": "Olga Berg", "typing": True}]
        await here(second, typing=False)
        assert await people(first) == [{"name": "Olga Berg", "typing": False}]
        await second.disconnect()
        assert await people(first) == []
    finally:
        await first.disconnect()
        await second.disconnect()


@pytest.mark.asyncio
async def test_a_page_that_stops_saying_so_drops_out(sam, colleague, ticket, settings):
    settings.VIGIL_PRESENCE_SECONDS = 1
    first = await ticket_socket(sam, ticket)
    second = await ticket_socket(colleague, ticket)
    try:
        await here(first)
        await here(second)
        assert await people(first) == [{"name": "Olga Berg", "typing": False}]
        # Olga's tab goes silent without closing (a sleeping laptop): gone within a moment,
        # while Sam's page, still saying it is here, stays on hers.
        await here(first)
        assert await people(first) == []
    finally:
        await first.disconnect()
        await second.disconnect()


@pytest.mark.asyncio
async def test_readers_are_shown_but_never_typing_and_my_own_tabs_are_not_listed(
    sam, curator, ticket
):
    reader = await ticket_socket(curator, ticket)
    mine = await ticket_socket(sam, ticket)
    my_other_tab = await ticket_socket(sam, ticket)
    try:
        await here(mine)
        await here(my_other_tab, typing=True)
        await here(reader, typing=True)  # a curator cannot reply
        # Sam's other tab counts for nothing on his own page; the curator shows, not typing.
        listed = await people(mine)
        while not listed:
            listed = await people(mine)
        assert listed == [{"name": curator.get_full_name(), "typing": False}]
        assert await mine.receive_nothing(timeout=0.5)
    finally:
        for ws in (reader, mine, my_other_tab):
            await ws.disconnect()


@pytest.mark.asyncio
async def test_nothing_reaches_another_team_and_junk_is_ignored(
    sam, other_analyst, ticket, other_ticket
):
    mine = await ticket_socket(sam, ticket)
    theirs = await ticket_socket(other_analyst, other_ticket)
    try:
        await mine.send_json_to({"type": "shout", "text": "hello"})
        await mine.send_json_to(["not", "an", "object"])
        await here(mine, typing=True)
        await here(theirs)
        assert await theirs.receive_nothing(timeout=0.5)
    finally:
        await mine.disconnect()
        await theirs.disconnect()


@pytest.mark.asyncio
async def test_an_analyst_who_lost_the_ticket_is_cut_off(sam, colleague, ticket, team):
    first = await ticket_socket(sam, ticket)
    second = await ticket_socket(colleague, ticket)
    try:
        await here(first)
        await database_sync_to_async(team.members.remove)(colleague)
        await here(first, typing=True)
        output = await second.receive_output(timeout=3)
        assert output["type"] == "websocket.close"
    finally:
        await first.disconnect()
        await second.disconnect()
