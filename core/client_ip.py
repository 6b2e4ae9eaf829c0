"""The one place that decides a request's client address.

Anyone can send an ``X-Forwarded-For`` header, so it is read only when the connection comes from
a proxy named in ``VIGIL_TRUSTED_PROXIES``. Each proxy appends the address it saw, so the header
is read from the right: the first address that is not a trusted proxy is the client. Whatever a
client wrote into the header itself stays further left and is never reached.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

from core.inline_middleware import InlineHooks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
)


@lru_cache(maxsize=8)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.0/8``); a bad entry raises ``ValueError`` naming it."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"Not an IP address or network: {entry!r}") from None
    return tuple(networks)


def is_trusted_proxy(address: str | None) -> bool:
    networks = parse_networks(tuple(settings.VIGIL_TRUSTED_PROXIES))
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or what trusted proxies say they received it from."""
    address = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_ip(hop):
            # A proxy wrote something that is not an address: go no further than that proxy.
            return address
        if not is_trusted_proxy(hop):
            return hop
        address = hop
    return address


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class ForwardedHeadersMiddleware(InlineHooks):
    """Drops forwarded headers from a request that did not come through a trusted proxy.

    Django believes ``X-Forwarded-Proto`` (``SECURE_PROXY_SSL_HEADER``) from whoever sends it:
    without this, a client talking to Vigil directly could claim its plain HTTP was HTTPS.
    """

    def process_request(self, request: HttpRequest) -> None:
        if is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            return
        for header in FORWARDED_HEADERS:
            request.META.pop(header, None)
