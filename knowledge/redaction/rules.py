"""The rules that find each kind of personal data in plain text (links are handled apart).

Each rule finds one kind of data and replaces it with a placeholder such as ``<email>``; rules
run in a fixed order and later rules never look inside placeholders, so an email's domain is not
also reported as a name or an id.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDER_RE = re.compile(r"<(?:email|phone|ip|id|token|password|card|name)>")

# Upper-case prefixes that look like ticket references but name public standards.
_PUBLIC_ID_PREFIXES = frozenset({"CVE", "RFC", "ISO", "PEP", "GHSA", "CWE", "ECMA", "IEEE", "KB"})


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    # Returns the replacement for a match, or None to leave the match alone.
    replace: Callable[[re.Match[str]], str | None]


def _constant(placeholder: str) -> Callable[[re.Match[str]], str | None]:
    return lambda match: placeholder


def _keep_prefix(placeholder: str) -> Callable[[re.Match[str]], str | None]:
    """Keep the keyword in group 1 (e.g. 'Bearer ') and replace the value after it."""
    return lambda match: match.group(1) + placeholder


def _password(match: re.Match[str]) -> str | None:
    value = match.group("value")
    bare = match.group("sep") is None
    if bare and (match.group("keyword").lower() == "pass" or not _looks_secret(value)):
        # "passwd nimbus" is a command, "password reset" is prose.
        return None
    return "password: <password>"


def _looks_secret(value: str) -> bool:
    return bool(re.search(r"[\d\W_]", value)) and not value.startswith(("-", "/", "`", "<"))


def _jwt(match: re.Match[str]) -> str | None:
    text = match.group(0)
    if text.startswith("eyJ"):
        return "<token>"
    has_mix = re.search(r"\d", text) and re.search(r"[a-z]", text) and re.search(r"[A-Z]", text)
    return "<token>" if has_mix else None


def _random_token(match: re.Match[str]) -> str | None:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if digits < 2 or letters < 4 or text.startswith(("/", "-", ".")):
        return None
    # Random strings switch between lower case, upper case and digits all the time; words,
    # CamelCase identifiers and "my-server-01" style names rarely do.
    classes = [_char_class(ch) for ch in text]
    switches = sum(a != b for a, b in itertools.pairwise(classes))
    threshold = 0.45 if any(ch.isupper() for ch in text) else 0.3
    return "<token>" if switches >= threshold * len(text) else None


def _char_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.isupper():
        return "upper"
    return "lower" if char.islower() else "other"


def _ipv4(match: re.Match[str]) -> str | None:
    text = match.group(0)
    if text in {"0.0.0.0", "127.0.0.1", "255.255.255.255"} or text.startswith("255."):  # noqa: S104
        return None
    return "<ip>"


def _ipv6(match: re.Match[str]) -> str | None:
    text = match.group(0)
    if text.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", text):
        return None
    if "::" not in text and text.count(":") != 7:
        return None
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return None if address.is_loopback or address.is_unspecified else "<ip>"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match[str]) -> str | None:
    text = match.group(0)
    number = _digits(text)
    if not 13 <= len(number) <= 19:
        return None
    grouped_in_fours = bool(re.fullmatch(r"\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?", text))
    return "<card>" if grouped_in_fours or _luhn_ok(number) else None


def _phone(match: re.Match[str]) -> str | None:
    return "<phone>" if 7 <= len(_digits(match.group(0))) <= 15 else None


def _ticket_reference(match: re.Match[str]) -> str | None:
    return None if match.group(1) in _PUBLIC_ID_PREFIXES else "<id>"


def _hex_id(match: re.Match[str]) -> str | None:
    text = match.group(0)
    has_letter = re.search(r"[a-fA-F]", text)
    return "<id>" if has_letter and re.search(r"\d", text) else None


RULES: tuple[Rule, ...] = (
    Rule(
        "password",
        re.compile(
            r"(?i)\b(?P<keyword>password|passwd|passphrase|pwd|pass)\b"
            r"(?:(?P<sep>\s*[:=]\s*|\s+is\s+)|\s+)(?P<value>[^\s,;]+)"
        ),
        _password,
    ),
    Rule(
        "token",
        re.compile(
            r"\b(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_])?[A-Za-z0-9_-]{16,}"
            r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
            r"|\bgh[pousr]_[A-Za-z0-9]{20,}"
            r"|\bgithub_pat_[A-Za-z0-9_]{20,}"
            r"|\bglpat-[A-Za-z0-9_-]{20,}"
            r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
        ),
        _constant("<token>"),
    ),
    Rule("token", re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), _keep_prefix("<token>")),
    Rule(
        "token",
        re.compile(
            r"(?i)(?=[acst])\b((?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|client[_-]?secret"
            r"|auth[_-]?token|access[_-]?token|token)\s*[:=]\s*)[\"']?[A-Za-z0-9._~+/=-]{8,}[\"']?"
        ),
        _keep_prefix("<token>"),
    ),
    Rule(
        "token",
        re.compile(r"\b[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b"),
        _jwt,
    ),
    Rule(
        "email",
        re.compile(
            r"\b(?!git@)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
        ),
        _constant("<email>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
            r"|\b[an]rn:[A-Za-z0-9+=.@:/*_-]*[A-Za-z0-9/*_-]"
        ),
        _constant("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?=[a-z])\b(?:"
            r"(?:i|vol|snap|sg|sgr|subnet|vpc|vnet|eni|ami|igw|nat|rtb|acl|eipalloc|lt|fs|db"
            r"|org|acct|proj|tenant|cus|sub|inv|pi|ch|txn)-[0-9a-fA-F]{6,}\b"
            r"|[a-z]{2,12}-(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"
            r"|(?:req|request|trace|cus|sub|inv|txn|acct|ch|pi|evt)_[A-Za-z0-9]{6,}\b)"
        ),
        _constant("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?i)(?=[crt])\b((?:request|req|trace|correlation|tracking)[ _-]?id\s*[:=#]?\s*)"
            r"(?!<)[A-Za-z0-9][A-Za-z0-9_-]{5,}"
        ),
        _keep_prefix("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?i)(?=[acmpst])\b((?:account|acct|customer|tenant|subscription|project|member|client)"
            r"(?:\s+(?:id|number|no\.?|num|#))?\s*[:#]?\s*)\d{6,}\b"
        ),
        _keep_prefix("<id>"),
    ),
    Rule(
        "ip",
        re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"),
        _ipv6,
    ),
    Rule(
        "ip",
        re.compile(
            r"(?<![\w.-])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
            r"(?![\w-]|\.\d)"
        ),
        _ipv4,
    ),
    Rule("card", re.compile(r"(?<![\w+.-])\d(?:[ -]?\d){12,18}(?![\w.-])"), _card),
    Rule(
        "phone",
        re.compile(
            # The leading lookahead lets the engine skip most positions cheaply.
            r"(?=[+(\d])(?:"
            r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}(?!\w)"
            r"|(?<![\w.-])\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}(?![\w.-])"
            r"|(?<![\w.-])\d{3}([ .\-])\d{3}\1\d{4}(?![\w.-])"
            r"|(?<![\w.-])0\d(?:[ .]\d{2}){4}(?![\w.-])"
            r"|(?<![\w.-])0\d{2,4}[ \-]\d{3,4}[ \-]?\d{3,4}(?![\w.-]))"
        ),
        _phone,
    ),
    Rule(
        "phone",
        re.compile(
            r"(?i)(?=[cfmprtw])\b((?:phone|tel|telephone|mobile|cell|whatsapp|fax|call me|reach me)"
            r"(?:\s+(?:number|no\.?|on|at))?\s*[:#]?\s*)\(?\d[\d ().\-]{5,}\d"
        ),
        lambda match: _keep_prefix("<phone>")(match) if _phone(match) else None,
    ),
    Rule("id", re.compile(r"(?=[0-9a-fA-F])\b(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{12,}\b"), _hex_id),
    Rule(
        "id",
        re.compile(r"\b([A-Z]{2,5})-(?:[A-Z0-9]+-)*\d{4,}(?:-[A-Z0-9]+)*\b"),
        _ticket_reference,
    ),
    # VAT numbers and similar: a country prefix followed by a long run of digits.
    Rule("id", re.compile(r"\b[A-Z]{2}\d{8,12}\b"), _constant("<id>")),
    Rule("token", re.compile(r"(?<![\w/.-])[A-Za-z0-9+/_=-]{24,}(?![\w/])"), _random_token),
)


def apply_rule(rule: Rule, text: str, found: list[tuple[str, str]]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if PLACEHOLDER_RE.search(match.group(0)):
            return match.group(0)
        replacement = rule.replace(match)
        if replacement is None:
            return match.group(0)
        found.append((rule.kind, match.group(0)))
        return replacement

    return rule.pattern.sub(substitute, text)
