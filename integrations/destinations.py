"""Where a webhook may be sent: never to this machine's or its network's own services.

A webhook URL is chosen by whoever configures an integration, and its host name can be made to
resolve anywhere; without a check Vigil would POST to its own admin port, a database on the
private network or the cloud provider's metadata service. So every address a host resolves to
is checked when the endpoint is saved and again at each send, and the send goes to the address
that was checked (a name that resolves elsewhere a moment later is not asked again). Loopback,
link-local (169.254.0.0/16, the metadata services), private, shared, multicast, reserved and
unspecified addresses are refused, unless a network in ``VIGIL_WEBHOOK_ALLOWED_NETWORKS`` holds
them (a receiver on the company network). Redirects are never followed.
"""

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(Exception):
    """The URL may not receive webhooks; the message says why."""


class Unresolvable(RefusedDestination):
    """The host name resolves to nothing now (it may later)."""


@dataclass(frozen=True)
class Destination:
    url: httpx.URL  # the URL with the checked address in place of the host name
    host: str  # the name, for the Host header and TLS


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.VIGIL_WEBHOOK_ALLOWED_NETWORKS]


def refusal(address: IPAddress) -> str:
    """Why ``address`` may not receive webhooks ("" when it may)."""
    if any(address in network for network in allowed_networks()):
        return ""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return refusal(mapped)
    for kind, test in (
        ("a loopback", address.is_loopback),
        ("a link-local (cloud metadata)", address.is_link_local),
        ("an unspecified", address.is_unspecified),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private or not address.is_global),
    ):
        if test:
            return f"{kind} address"
    return ""


def resolve(url: str) -> Destination:
    """The checked destination of ``url``; ``RefusedDestination`` if any address the host
    resolves to may not receive webhooks, or it resolves to none."""
    parsed = httpx.URL(url)
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise RefusedDestination("A webhook URL must be http:// or https:// with a host name.")
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{host} does not resolve ({exc}).") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(f[4][0]).split("%")[0]) for f in found))
    if not addresses:
        raise Unresolvable(f"{host} does not resolve.")
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise RefusedDestination(
                f"{host} is {address}, {reason}: webhooks are not sent inside Vigil's own "
                "network. To allow a receiver there, add its network to "
                "VIGIL_WEBHOOK_ALLOWED_NETWORKS."
            )
    return Destination(url=parsed.copy_with(host=str(addresses[0])), host=host)


def check_url(url: str) -> None:
    """For a URL being saved: ``RefusedDestination`` when it points inside Vigil's network. A
    name that does not resolve yet is let through; each send checks again."""
    try:
        resolve(url)
    except Unresolvable:
        return
