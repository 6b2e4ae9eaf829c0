"""Django's middleware, with the hooks that cannot block run on the event loop.

Under daphne every request is served on the event loop, and Django's ``MiddlewareMixin`` sends
each ``process_request``, ``process_view`` and ``process_response`` of a middleware into a
thread and back, whether or not it does any I/O: about sixteen hops per request with the stack
in ``settings.MIDDLEWARE``, each one a round through the loop. Most of those hooks only read
headers and cookies or set lazy objects. Here each middleware says when a hook may touch the
database or the disk (a session that must be saved, messages that must be stored, a request body
that must be parsed for its token); only then does the hook go to a thread, as before.

``settings.MIDDLEWARE`` names Django's own classes, so that Django's deployment checks (which look
for those names) still see them; the ASGI handler below builds its chain from their twins here.
Synchronous requests (the test client, management commands) run Django's classes, unchanged.
"""

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.core.handlers import asgi
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


async def _call(hook: Callable[..., Any], blocks: bool, *args: Any) -> Any:
    if blocks:
        return await sync_to_async(hook, thread_sensitive=True)(*args)
    return hook(*args)


class InlineHooks(MiddlewareMixin):
    """``MiddlewareMixin`` whose hooks run on the event loop unless they say they may block."""

    def request_blocks(self, request: HttpRequest) -> bool:
        return False

    def response_blocks(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        return False

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            blocks = self.request_blocks(request)
            response = await _call(self.process_request, blocks, request)
        if response is None:
            get_response = cast(
                Callable[[HttpRequest], Awaitable[HttpResponseBase]], self.get_response
            )
            response = await get_response(request)
        if hasattr(self, "process_response"):
            blocks = self.response_blocks(request, response)
            response = await _call(self.process_response, blocks, request, response)
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    """Headers and redirects only."""


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    """Host and path checks (the URL resolver), and Content-Length."""


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    """A header."""


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    """Sets ``request.user`` lazily: the user is read when a view first asks for it."""


class SessionMiddleware(InlineHooks, sessions.SessionMiddleware):
    """Creates the session lazily; saving it (a modified session) goes to a thread."""

    def response_blocks(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class MessageMiddleware(InlineHooks, messages.MessageMiddleware):
    """Creates the message storage lazily; storing messages (which may write the session) goes
    to a thread."""

    def response_blocks(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    """Reads and sets the token cookie on the loop. A request that must be checked (an unsafe
    method to a view that is not exempt) is checked in a thread: its token may be in a form body
    that must be parsed, perhaps from disk."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        if self.async_mode:
            # Django adapts process_view to the request's mode by whether it is a coroutine
            # function; this instance's is one, and decides for itself when to take a thread.
            view_hook = self.process_view

            async def process_view(
                request: HttpRequest, callback: Any, args: Any, kwargs: Any
            ) -> HttpResponseBase | None:
                checked = not (
                    getattr(request, "csrf_processing_done", False)
                    or getattr(callback, "csrf_exempt", False)
                    or request.method in SAFE_METHODS
                )
                result: HttpResponseBase | None = await _call(
                    view_hook, checked, request, callback, args, kwargs
                )
                return result

            self.process_view = process_view  # type: ignore[method-assign,assignment]

    def request_blocks(self, request: HttpRequest) -> bool:
        return bool(settings.CSRF_USE_SESSIONS)

    def response_blocks(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        return bool(settings.CSRF_USE_SESSIONS)


# Django's middleware → its twin here.
INLINE = {
    "django.middleware.security.SecurityMiddleware": SecurityMiddleware,
    "django.contrib.sessions.middleware.SessionMiddleware": SessionMiddleware,
    "django.middleware.common.CommonMiddleware": CommonMiddleware,
    "django.middleware.csrf.CsrfViewMiddleware": CsrfViewMiddleware,
    "django.contrib.auth.middleware.AuthenticationMiddleware": AuthenticationMiddleware,
    "django.contrib.messages.middleware.MessageMiddleware": MessageMiddleware,
    "django.middleware.clickjacking.XFrameOptionsMiddleware": XFrameOptionsMiddleware,
}


class ASGIHandler(asgi.ASGIHandler):
    """Django's ASGI handler, its chain built from ``settings.MIDDLEWARE`` with each Django
    middleware in ``INLINE`` replaced by its twin."""

    def load_middleware(self, is_async: bool = False) -> None:
        stock = settings.MIDDLEWARE
        # Read once, here, at start-up (Django's handler reads the setting nowhere else).
        settings.MIDDLEWARE = [_path(INLINE[name]) if name in INLINE else name for name in stock]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = stock


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
