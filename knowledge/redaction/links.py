"""Links: kept as written (scheme, host and path are often the answer), with only what is
personal inside them redacted: credentials before the host, a host that is an IP address, an
email anywhere, and the values of query parameters that carry secrets or identities."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote

# A link: with a scheme, or starting with "www.". It ends before trailing punctuation.
URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]")
_URL_SLOT = "\ue000{}\ue001"
_URL_SLOT_RE = re.compile("\ue000(\\d+)\ue001")
_EMAIL_RE = re.compile(r"\w[\w.%+'-]*(?:@|%40)[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_IP_HOST_RE = re.compile(
    r"(?i)^((?:https?://)?)(\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3})(?=[:/]|$)"
)
# Query parameters whose value is a secret or says who someone is.
_SECRET_PARAMS = re.compile(
    r"(?i)^(?:.*token|.*key|sig|signature|auth.*|pass(?:word)?|pwd|secret|.*session.*|sid|code"
    r"|otp|email|e?mail|user(?:name)?|login|uid|phone|tel|name|first_?name|last_?name)$"
)


def _redact_url(url: str, found: list[tuple[str, str]]) -> str:
    head, hash_, fragment = url.partition("#")
    base, question, query = head.partition("?")
    credentials = re.match(r"(?i)^((?:https?://)?)([^/@\s]+)@", base)
    if credentials:
        found.append(("password", credentials.group(2)))
        base = credentials.group(1) + "<password>@" + base[credentials.end() :]
    base = _redact_ip_host(base, found)
    base = _redact_emails(base, found)
    if question:
        query = "&".join(_redact_param(part, found) for part in query.split("&"))
    return base + question + query + hash_ + _redact_emails(fragment, found)


def _redact_ip_host(base: str, found: list[tuple[str, str]]) -> str:
    host = _IP_HOST_RE.match(base)
    if not host:
        return base
    try:
        address = ipaddress.ip_address(host.group(2).strip("[]"))
    except ValueError:
        return base
    if address.is_loopback or address.is_unspecified:
        return base
    found.append(("ip", host.group(2)))
    bracketed = host.group(2).startswith("[")
    return host.group(1) + ("[<ip>]" if bracketed else "<ip>") + base[host.end() :]


def _redact_param(part: str, found: list[tuple[str, str]]) -> str:
    key, equals, value = part.partition("=")
    if not equals or not value:
        return part
    if _EMAIL_RE.fullmatch(unquote(value)) or _EMAIL_RE.fullmatch(value):
        found.append(("email", value))
        return f"{key}=<email>"
    if _SECRET_PARAMS.match(unquote(key)):
        found.append(("token", value))
        return f"{key}=<token>"
    return part


def _redact_emails(text: str, found: list[tuple[str, str]]) -> str:
    def substitute(match: re.Match[str]) -> str:
        found.append(("email", match.group(0)))
        return "<email>"

    return _EMAIL_RE.sub(substitute, text)


def set_links_aside(text: str, found: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """Links replaced by slots the rules cannot match, each link already redacted inside."""
    links: list[str] = []

    def aside(match: re.Match[str]) -> str:
        links.append(_redact_url(match.group(0), found))
        return _URL_SLOT.format(len(links) - 1)

    return URL_RE.sub(aside, text.replace("\ue000", "").replace("\ue001", "")), links


def put_links_back(text: str, links: list[str]) -> str:
    return _URL_SLOT_RE.sub(lambda match: links[int(match.group(1))], text)
