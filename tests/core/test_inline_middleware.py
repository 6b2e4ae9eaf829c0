"""Served by the ASGI application daphne serves, the middleware's hooks run on the event loop, and
go to a thread only when they may block: saving a session, storing messages, checking a form's
token (core.inline_middleware)."""

import httpx
import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import deprecation

from core import inline_middleware
from tests.factories import UserFactory
from vigil_site.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
LOGIN = reverse("login")
PASSWORD = "right-password"


@pytest.fixture
def threads(monkeypatch):
    """The hooks sent to a thread, as "Middleware.hook": by these middlewares, or by Django's
    own ``MiddlewareMixin`` (every hook, before)."""
    taken = []
    real = inline_middleware.sync_to_async

    def counting(hook, **kwargs):
        taken.append(f"{type(hook.__self__).__name__}.{hook.__name__}")
        return real(hook, **kwargs)

    monkeypatch.setattr(inline_middleware, "sync_to_async", counting)
    monkeypatch.setattr(deprecation, "sync_to_async", counting)
    return taken


def browser():
    """A client of the ASGI application itself, keeping cookies as a browser does."""
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(transport=transport, base_url="http://localhost")


async def logged_in(team):
    await database_sync_to_async(UserFactory)(
        username="sam", password=PASSWORD, roles=["analyst"], teams=[team]
    )
    client = browser()
    await client.get(LOGIN)
    form = {"username": "sam", "password": PASSWORD, "csrfmiddlewaretoken": token(client)}
    response = await client.post(LOGIN, data=form)
    assert response.status_code == 302
    return client


def token(client):
    return client.cookies["csrftoken"]  # a login rotates it


async def test_a_page_passes_every_hook_on_the_event_loop(threads):
    async with browser() as client:
        response = await client.get(LOGIN)
    assert response.status_code == 200
    # Each hook still did its work: the token cookie, the headers.
    assert "csrftoken" in response.cookies
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in response.headers["Content-Security-Policy"]
    assert threads == []


async def test_a_login_checks_its_token_and_saves_its_session_in_threads(threads, team):
    client = await logged_in(team)
    assert threads == ["CsrfViewMiddleware.process_view", "SessionMiddleware.process_response"]
    threads.clear()

    # The saved session holds: a staff page opens, its hooks on the loop again.
    assert (await client.get("/tickets/")).status_code == 200
    assert threads == []


async def test_a_form_without_its_token_is_refused(threads, team):
    client = await logged_in(team)
    threads.clear()
    response = await client.post(reverse("tickets:notifications_read_all"))
    assert response.status_code == 403
    assert threads == ["CsrfViewMiddleware.process_view"]


async def test_a_message_for_the_next_page_is_stored_in_a_thread_and_shown(threads, team):
    client = await logged_in(team)
    threads.clear()
    response = await client.post(
        reverse("tickets:notifications_read_all"), data={"csrfmiddlewaretoken": token(client)}
    )
    assert response.status_code == 302
    assert "MessageMiddleware.process_response" in threads

    page = await client.get(response.headers["location"])
    assert "Marked 0 notifications read." in page.text
