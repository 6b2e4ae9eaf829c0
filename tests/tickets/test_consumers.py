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


@pytest.mark.parametrize("key", [b"nosuchsession0000", b"no-such-session", b"abc%00def0000"])
async def test_it_refuses_a_session_that_is_not_logged_in(ticket, key):
    ws = communicator(f"/ws/tickets/{ticket.pk}/", (b"cookie", b"sessionid=" + key))
    assert await closed_with(ws) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("ticket_id", ["abc", "0", "-3", "99999999999999999999999"])
async def test_a_ticket_id_that_is_not_one_is_refused_without_failing_the_round(
    ticket, analyst, ticket_id
):
    """Asked in the same round as a colleague's page, a nonsense id is refused and the page
    beside it still connects: it never reaches the round's shared query."""
    import asyncio

    cookie = await session_cookie(analyst)
    bad = communicator(f"/ws/tickets/{ticket_id}/", cookie)
    good = communicator(f"/ws/tickets/{ticket.pk}/", cookie)
    code, (connected, _) = await asyncio.gather(closed_with(bad), good.connect())
    assert code == CLOSE_FORBIDDEN
    assert connected
    await good.disconnect()


async def test_pages_connecting_together_are_checked_in_a_few_rounds(
    ticket, make_ticket, analyst, other_analyst, monkeypatch
):
    """Thirty pages opening at once (a web process restarted under them) are answered by a
    round or two of the connect check, not one database hop each; each gets its own answer."""
    import asyncio

    from tickets import socket_access

    rounds = []
    checked = socket_access._visitors_in_thread

    async def counting(keys):
        rounds.append(len(keys))
        return await checked(keys)

    monkeypatch.setattr(socket_access, "_visitors_in_thread", counting)
    mine, theirs = await session_cookie(analyst), await session_cookie(other_analyst)
    tickets = [
        ticket,
        *[await database_sync_to_async(make_ticket)(subject=f"T{n}") for n in range(9)],
    ]
    pages = [communicator(f"/ws/tickets/{t.pk}/", mine) for t in tickets for _ in range(2)]
    strangers = [communicator(f"/ws/tickets/{t.pk}/", theirs) for t in tickets]
    *opened, codes = await asyncio.gather(
        *(page.connect() for page in pages),
        asyncio.gather(*(closed_with(page) for page in strangers)),
    )
    await asyncio.gather(*(page.disconnect() for page in pages))
    assert all(connected for connected, _ in opened)
    assert codes == [CLOSE_FORBIDDEN] * len(strangers)
    # 20 (session, ticket) pairs: a page's twin shares its pair's answer.
    assert len(rounds) <= 3
    assert sum(rounds) == 20


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


@pytest.mark.parametrize(
    "how", ["moved", "removed_from_team", "logged_out", "deactivated", "password_changed"]
)
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
        elif how == "deactivated":
            type(analyst).objects.filter(pk=analyst.pk).update(is_active=False)
        else:  # elsewhere: the sessions of the old password no longer hold
            analyst.set_password("a-new-one")
            analyst.save()

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


@database_sync_to_async
def post_many(ticket, count):
    """``count`` messages in one transaction: their events are all published at its commit,
    back to back, while the socket's access checks wait for this thread."""
    from django.db import transaction

    with transaction.atomic():
        return [
            services.message_create(ticket=ticket, body=f"burst {n}", kind="customer")[0]
            for n in range(count)
        ]


async def test_a_burst_reaches_the_socket_whole_and_numbered(ticket, analyst):
    """More events than channels' default capacity (100) queue for one socket: none may be
    dropped, and each carries the ticket's sequence number, one after another."""
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    connected, _ = await ws.connect()
    assert connected
    try:
        sent = await post_many(ticket, 150)
        received = [await next_message(ws) for _ in sent]
        assert [event["id"] for event in received] == [f"message-{m.pk}" for m in sent]
        # The ticket's first message is number 1.
        assert [event["seq"] for event in received] == list(range(2, 152))
        assert all(f'data-seq="{event["seq"]}"' in event["html"] for event in received)
    finally:
        await ws.disconnect()


async def test_the_catch_up_returns_what_a_gap_missed(ticket, analyst):
    """A page that holds up to number 2 and is pushed number 5 fetches after 2: it gets 3, 4
    and 5. Internal notes are numbered for staff only; the customer's numbers skip them."""
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    connected, _ = await ws.connect()
    assert connected
    try:
        first = await post(ticket, "Still down", kind="customer")
        note = await post(ticket, "hypervisor NIC flap", kind="analyst", internal=True)
        reply = await post(ticket, "We are on it", kind="analyst")
        last = await post(ticket, "Thanks", kind="customer")
        events = [await next_message(ws) for _ in range(4)]
        assert [event["seq"] for event in events] == [2, 3, 4, 5]

        @database_sync_to_async
        def fetch(url):
            client = Client()
            client.force_login(analyst)
            return client.get(url)

        response = await fetch(f"/tickets/{ticket.pk}/conversation/?after_seq=2")
        assert response.status_code == 200
        html = response.content.decode()
        for message in (note, reply, last):
            assert f'id="message-{message.pk}"' in html
        assert f'id="message-{first.pk}"' not in html

        token = await database_sync_to_async(selectors.portal_token_for)(ticket)
        portal = await fetch(f"/support/t/{token}/conversation/?after_seq=2")
        html = portal.content.decode()
        assert f'id="message-{reply.pk}" data-seq="3"' in html
        assert f'id="message-{last.pk}" data-seq="4"' in html
        assert "NIC flap" not in html
        assert f'id="message-{first.pk}"' not in html
    finally:
        await ws.disconnect()


async def test_a_removed_analyst_is_cut_off_while_a_colleague_on_the_ticket_is_not(
    ticket, analyst, team
):
    """The checks of every socket of the process are answered together, per session: one
    user losing access closes their socket only."""
    from tests.factories import UserFactory

    colleague = await database_sync_to_async(UserFactory)(
        username="kim", roles=["analyst"], teams=[team]
    )
    mine = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    theirs = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(colleague))
    assert (await mine.connect())[0]
    assert (await theirs.connect())[0]
    try:
        await database_sync_to_async(team.members.remove)(analyst)
        message = await post(ticket, "internal: refund approved", kind="analyst", internal=True)
        assert await mine.receive_output(timeout=3) == {
            "type": "websocket.close",
            "code": CLOSE_FORBIDDEN,
        }
        assert (await next_message(theirs))["id"] == f"message-{message.pk}"
    finally:
        await mine.disconnect()
        await theirs.disconnect()


async def test_sockets_asking_together_share_one_round():
    """Fifty sockets asking at once are answered by one or two rounds of the check, each with
    its own answer, and each told a start that comes after it asked."""
    import asyncio
    import time

    from tickets.socket_access import AccessRounds

    rounds_run = []

    async def check(keys):
        rounds_run.append(sorted(keys))
        await asyncio.sleep(0.01)
        return {key for key in keys if key[1] % 2 == 0}

    rounds = AccessRounds(check)
    asked_at = time.time()
    answers = await asyncio.gather(*(rounds.ask(f"session-{n % 5}", n // 5) for n in range(50)))
    assert 1 <= len(rounds_run) <= 2
    assert sum(len(keys) for keys in rounds_run) == 50
    assert [found is not None for found, _ in answers] == [(n // 5) % 2 == 0 for n in range(50)]
    assert all(began >= asked_at for _, began in answers)


async def test_a_socket_that_asks_during_a_round_waits_for_the_next_one():
    """A round answers only those that asked before it began: a socket asking while a round
    runs (its event may have been published after that round began) gets a later start."""
    import asyncio

    from tickets.socket_access import AccessRounds

    first_round_started = asyncio.Event()
    release = asyncio.Event()
    rounds_run = []

    async def check(keys):
        rounds_run.append(list(keys))
        first_round_started.set()
        await release.wait()
        return set(keys)

    rounds = AccessRounds(check)
    early = asyncio.ensure_future(rounds.ask("session-a", 1))
    await first_round_started.wait()
    late = asyncio.ensure_future(rounds.ask("session-b", 1))
    await asyncio.sleep(0.01)
    release.set()
    (_, early_began), (_, late_began) = await asyncio.gather(early, late)
    assert rounds_run == [[("session-a", 1)], [("session-b", 1)]]
    assert late_began > early_began


async def test_a_round_reads_each_session_once_however_many_tickets_it_watches(
    analyst, make_ticket, other_ticket
):
    """Four queries for a session's user on ten tickets (the session, the user, their roles,
    the readable tickets), instead of four per socket; another team's ticket is not readable."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import socket_access

    @database_sync_to_async
    def check():
        tickets = [make_ticket(subject=f"T{n}") for n in range(10)]
        client = Client()
        client.force_login(analyst)
        session_key = client.cookies["sessionid"].value
        asked = [(session_key, t.pk) for t in tickets] + [(session_key, other_ticket.pk)]
        with CaptureQueriesContext(connection) as queries:
            allowed = socket_access.readable(asked)
        return allowed, asked, len(queries)

    allowed, asked, query_count = await check()
    assert allowed == set(asked[:-1])
    assert query_count == 4


async def test_forwarding_an_event_takes_no_hop_onto_the_database_thread(
    ticket, analyst, monkeypatch
):
    """Channels closes old connections before every message a consumer handles, on its one
    thread for database work; these consumers skip that hop (their database calls close their
    own), so that one socket's events never queue behind another's."""
    import channels.consumer

    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    ws = communicator(f"/ws/tickets/{ticket.pk}/", await session_cookie(analyst))
    assert (await ws.connect())[0]
    try:
        await post(ticket, "Still down", kind="customer")
        await next_message(ws)
        assert hops == []
    finally:
        await ws.disconnect()


async def test_a_round_asks_five_queries_however_many_sessions(
    analyst, manager, other_analyst, curator, make_ticket, other_ticket
):
    """A round over several users' sessions and many tickets: the sessions, their users, their
    roles, the tickets of those who see their teams' and of those who see every team. Each
    answer is the access selector's for that user."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import socket_access

    @database_sync_to_async
    def check():
        tickets = [make_ticket(subject=f"T{n}") for n in range(10)] + [other_ticket]
        people = [analyst, manager, other_analyst, curator]
        sessions = {}
        for user in people:
            client = Client()
            client.force_login(user)
            sessions[user.pk] = client.cookies["sessionid"].value
        asked = [(sessions[u.pk], t.pk) for u in people for t in tickets]
        asked += [("not-a-session", tickets[0].pk)]
        with CaptureQueriesContext(connection) as queries:
            allowed = socket_access.readable(asked)
        expected = {
            (sessions[u.pk], pk)
            for u in people
            for pk in selectors.ticket_ids_for_user(u, [t.pk for t in tickets])
        }
        return allowed, expected, len(queries)

    allowed, expected, query_count = await check()
    assert allowed == expected
    assert len(expected) == 10 + 11 + 1 + 10  # analyst, manager, the other team's, curator
    assert query_count == 5


async def test_rounds_begin_no_more_often_than_the_interval():
    """Under a steady stream of asks, a round begins at most once per interval; each answers
    everyone who asked meanwhile."""
    import asyncio
    import itertools
    import time

    from tickets.socket_access import AccessRounds

    began = []

    async def check(keys):
        began.append(time.monotonic())
        return set(keys)

    rounds = AccessRounds(check, interval=0.2)
    asks = []
    for n in range(12):
        asks.append(asyncio.ensure_future(rounds.ask("session", n)))
        await asyncio.sleep(0.05)
    answers = await asyncio.gather(*asks)
    assert all(found for found, _ in answers)
    assert 3 <= len(began) <= 5
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(began))
