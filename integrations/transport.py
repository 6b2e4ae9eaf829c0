"""The one place that sends webhooks over the network."""

import os
from dataclasses import dataclass

import httpx

from integrations import destinations

USER_AGENT = "Vigil-Webhooks/1"

_client: httpx.Client | None = None
_client_pid = 0


@dataclass(frozen=True)
class Response:
    """What came of one POST: the status (None without an answer), an error and whether
    asking again may help."""

    status_code: int | None
    error: str
    retry: bool
    retry_after: int = 0


def _http() -> httpx.Client:
    # One client per process: making one costs about 70 ms (its TLS context), more than a
    # local delivery. A forked task worker makes its own rather than share the parent's sockets.
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client = httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT})
        _client_pid = os.getpid()
    return _client


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body`` to the address ``url`` resolves to, once it is checked (see
    ``destinations``). Network errors, timeouts, a name that does not resolve, 5xx and 429 may
    be retried; other answers, and a destination inside Vigil's network, not."""
    try:
        destination = destinations.resolve(url)
    except destinations.Unresolvable as exc:
        return Response(None, str(exc)[:500], retry=True)
    except destinations.RefusedDestination as exc:
        return Response(None, f"Refused: {exc}"[:500], retry=False)
    try:
        reply = _http().post(
            destination.url,
            content=body,
            headers={**headers, "Host": _host_header(url)},
            timeout=timeout,
            # TLS checks the certificate against the name, not the address connected to.
            extensions={"sni_hostname": destination.host},
        )
    except httpx.HTTPError as exc:
        return Response(None, f"{type(exc).__name__}: {exc}"[:500], retry=True)
    code = reply.status_code
    if 200 <= code < 300:
        return Response(code, "", retry=False)
    error = f"HTTP {code}: {reply.text[:200]}".strip()
    if code >= 500 or code == 429:
        after = reply.headers.get("Retry-After", "")
        return Response(code, error, retry=True, retry_after=int(after) if after.isdigit() else 0)
    # Any other answer (4xx, a redirect) will not change by asking again.
    return Response(code, error, retry=False)


def _host_header(url: str) -> str:
    parsed = httpx.URL(url)
    default = 443 if parsed.scheme == "https" else 80
    return parsed.host if parsed.port in {None, default} else f"{parsed.host}:{parsed.port}"
