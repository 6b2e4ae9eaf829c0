"""The Content-Security-Policy middleware, with this host's websocket origins in connect-src."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

from core.inline_middleware import InlineHooks


class CSPMiddleware(InlineHooks, BaseCSPMiddleware):
    """django-csp's middleware; ``connect-src`` also names ``ws://`` and ``wss://`` of this host.
    Its hooks only build a header, so they run on the event loop (``core.inline_middleware``).

    CSP level 3 counts the page's own host over websockets as 'self', but older browsers (Safari
    before 15.4) do not, and the live pages would quietly stop updating there.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()  # checked against ALLOWED_HOSTS
        except DisallowedHost:
            return parts
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), f"ws://{host}", f"wss://{host}"]
        parts.update = update
        return parts
