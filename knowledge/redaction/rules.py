"""The rules that find each kind of personal data in plain text (links are handled apart),
in the order they run.

Each rule finds one kind of data and replaces it with a placeholder such as ``<email>``; rules
run in a fixed order and later rules never look inside placeholders, so an email's domain is not
also reported as a name or an id. Secrets run first (a password may look like anything), then
emails, ids, addresses, cards and phones; bare random strings last.
"""

from __future__ import annotations

import ipaddress
import itertools
import re

from knowledge.redaction import credentials, phones
from knowledge.redaction.base import Rule, constant, keep_prefix


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Upper-case prefixes that look like ticket references but name public standards, vendors'
# error codes (ORA-12541, TNS-12560) and security advisories (RHSA-2024:1234, USN-6543-1).
_PUBLIC_ID_PREFIXES = _words(
    """CVE RFC ISO PEP GHSA CWE ECMA IEEE KB ORA TNS PLS RMAN IMP EXP SQL ERR ERROR HTTP SSL
    TLS UTF RHSA RHBA RHEA USN DSA DLA ALAS ELSA MS MSB AH SEC SHA MD AES RSA DES NIST FIPS IEC
    EN DIN JIS BS ANSI MIL NFPA OWASP CAPEC CPE KEV EOL LTS"""
)
_ERROR_BEFORE_RE = re.compile(r"(?i)\b(?:error|err|code|fault|exception|status)\s*:?\s*$")
_ERROR_AFTER_RE = re.compile(r"(?i)^:?\s*(?:error|err|code|fault|exception)\b")
# Words before a hexadecimal string that make it a checksum, not an id.
_CHECKSUM_RE = re.compile(
    r"(?i)\b(?:sha-?(?:1|224|256|384|512)|md5|checksum|hash|digest|fingerprint|etag)\b"
    r"[\w\s:()-]{0,24}$"
)
# Words just before a dotted quad that make it a version: "version 2.4.1.0", "Build 1.0.0.7",
# "upgrading from 6.2.0.12 to 6.2.1.3".
_VERSION_BEFORE_RE = re.compile(
    r"(?i)(?:\b(?:v|ver|version|versions|build|release|rel|update|patch|firmware|fw|driver|kernel"
    r"|drivers|installer|agent|sdk|runtime|package)\s*:?\s*"
    r"|\b(?:upgrad|updat|downgrad|migrat|roll)\w*\b(?:[^.;\n]|\.(?=\d)){0,30}\b(?:from|to)\s+)$"
)
_VERSION_AFTER_RE = re.compile(
    r"(?i)^\s*(?:[\w-]+\s+){0,2}?(?:build|release|update|version|installer|patch|kernel)\b"
)
# A capitalised product name after another word, right before the number: "Visual Studio
# 17.8.3.0" (not "Gateway 10.0.0.1" starting a sentence, nor a network word).
_PRODUCT_BEFORE_RE = re.compile(r"\w[ \t]+([A-Z][A-Za-z]+)[ \t]+$")
_NETWORK_WORDS = _words(
    """IP Ip Address Addresses Gateway Server Host Router Peer Proxy Firewall Node Subnet DNS
    NAS VPN Egress Ingress Resolver Allow Deny Block Blocked Whitelist Allowlist Source
    Destination Client Origin"""
)
# Public resolvers: an address everybody uses says nothing about anyone.
_PUBLIC_RESOLVERS = frozenset(
    {"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "208.67.222.222", "208.67.220.220"}
)
# Card brands by their first digits (IIN ranges): Visa, Mastercard, Amex, Discover, JCB,
# Diners, UnionPay, Maestro. A long number that passes Luhn but starts otherwise is no card.
_CARD_PREFIX_RE = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6[0245]|5[06-9]")


def _random_token(match: re.Match[str]) -> str | None:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if digits < 2 or letters < 4 or text.startswith(("/", "-", ".")) or _is_checksum(match):
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
    if text in _PUBLIC_RESOLVERS or _is_version(match):
        return None
    return "<ip>"


def _is_version(match: re.Match[str]) -> bool:
    before = match.string[max(0, match.start() - 40) : match.start()]
    after = match.string[match.end() : match.end() + 40]
    if _VERSION_BEFORE_RE.search(before) or _VERSION_AFTER_RE.match(after):
        return True
    product = _PRODUCT_BEFORE_RE.search(before)
    return product is not None and product.group(1) not in _NETWORK_WORDS


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


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match[str]) -> str | None:
    number = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(number) <= 19 or not _CARD_PREFIX_RE.match(number):
        return None
    return "<card>" if _luhn_ok(number) else None


def _ticket_reference(match: re.Match[str]) -> str | None:
    if match.group(1) in _PUBLIC_ID_PREFIXES:
        return None
    # "the WS-37368-7 error code", "error CE-43477-5": a vendor's error code, not a ticket.
    before = match.string[max(0, match.start() - 30) : match.start()]
    after = match.string[match.end() : match.end() + 20]
    return None if _ERROR_BEFORE_RE.search(before) or _ERROR_AFTER_RE.match(after) else "<id>"


def _hex_id(match: re.Match[str]) -> str | None:
    text = match.group(0)
    has_letter = re.search(r"[a-fA-F]", text)
    if not (has_letter and re.search(r"\d", text)):
        return None
    return None if _is_checksum(match) else "<id>"


def _is_checksum(match: re.Match[str]) -> bool:
    return bool(_CHECKSUM_RE.search(match.string[max(0, match.start() - 40) : match.start()]))


_EMAIL_RULES = (
    Rule(
        "email",
        re.compile(
            # Letters of any script: josé.garcía@correo.es, ivan@пример.рф.
            r"(?<![\w.%+-])(?!git@)\w[\w.%+'-]*@[\w-]+(?:\.[\w-]+)*\.(?:[^\W\d_]{2,}|xn--[\w-]+)"
            r"(?![\w-])"
        ),
        constant("<email>"),
    ),
    # Written so that robots miss it: "jane.doe [at] example [dot] com", "kai(at)example.com".
    Rule(
        "email",
        re.compile(
            r"(?i)(?<![\w.+-])\w[\w.+-]*\s*[\[(]at[\])]\s*[\w-]+"
            r"(?:\s*(?:[\[(]dot[\])]|\.)\s*[\w-]+)*\s*(?:[\[(]dot[\])]|\.)\s*[a-z]{2,}\b"
            # "alex at example dot com"
            r"|(?<![\w.+-])\w[\w.+-]*\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)*\s+dot\s+[a-z]{2,}\b"
        ),
        constant("<email>"),
    ),
)

_ID_RULES = (
    Rule(
        "id",
        re.compile(
            r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
            r"|\b[an]rn:[A-Za-z0-9+=.@:/*_-]*[A-Za-z0-9/*_-]"
            # Oracle Cloud ids: ocid1.<type>.<realm>.[region].<unique part>
            r"|\bocid1\.[a-z0-9_]+\.oc\d+\.[a-z0-9_-]*\.[a-z0-9]{20,}\b"
        ),
        constant("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?=[a-z])\b(?:"
            r"(?:i|r|vol|snap|sg|sgr|subnet|vpc|vnet|eni|ami|igw|nat|rtb|acl|eipalloc|lt|fs|db"
            r"|org|acct|proj|tenant|cus|sub|inv|pi|ch|txn)-[0-9a-fA-F]{6,}\b"
            r"|[a-z]{2,12}-(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"
            # inst-48213, vm-482913, srv-20931: a resource's kind and its number.
            r"|(?:inst|instance|vm|srv|server|host|node|db|cl|cluster|ws|workspace|droplet|svc"
            r"|bucket|org|acct|tenant|cust|proj|dev|device|box)[-_]\d{4,}\b"
            r"|org-(?=[A-Za-z]*\d)[A-Za-z0-9]{10,}\b"
            r"|(?:req|request|trace|cus|sub|inv|txn|acct|ch|pi|evt)_[A-Za-z0-9]{6,}\b)"
        ),
        constant("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?i)(?=[crt])\b((?:request|req|trace|correlation|tracking)[ _-]?id\s*[:=#]?\s*)"
            r"(?!<)[A-Za-z0-9](?:[A-Za-z0-9_-]|[:.](?=[A-Za-z0-9])){5,}"
        ),
        keep_prefix("<id>"),
    ),
    Rule(
        "id",
        re.compile(
            r"(?i)(?=[acmpst])\b((?:account|acct|customer|tenant|subscription|project|member|client)"
            r"(?:\s+(?:id|number|no\.?|num|#))?(?:\s+is)?\s*[:#]?\s*)\d{6,}\b"
        ),
        keep_prefix("<id>"),
    ),
    # "instance 48213", "Instance ID: 7731902", "Droplet 318274652" ("Server 2022" is not one).
    Rule(
        "id",
        re.compile(
            r"(?i)(?=[dhimnsv])\b((?:instance|vm|server|droplet|node|host|machine)"
            r"(?:\s+(?:id|number|no\.?|#)\s*[:#]?\s*(?=\d{4,})|\s*[:#]?\s*(?=\d{5,})))\d+\b"
        ),
        keep_prefix("<id>"),
    ),
)

_ADDRESS_RULES = (
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
    Rule("card", re.compile(r"(?<![\w+.-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)"), _card),
)

_LAST_RULES = (
    Rule(
        "phone",
        re.compile(
            r"(?i)(?=[cfmprtw])\b((?:phone|tel|telephone|mobile|cell|whatsapp|fax|call me|reach me)"
            r"(?:\s+(?:number|no\.?|on|at|is))?\s*[:#]?\s*)\(?\d[\d ().\-]{5,}\d"
        ),
        lambda match: (
            keep_prefix("<phone>")(match)
            if 7 <= len(re.sub(r"\D", "", match.group(0))) <= 15
            else None
        ),
    ),
    Rule("id", re.compile(r"(?=[0-9a-fA-F])\b(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{12,}\b"), _hex_id),
    Rule(
        "id",
        re.compile(r"\b([A-Z]{2,5})-(?:[A-Z0-9]+-)*\d{4,}(?:-[A-Z0-9]+)*\b"),
        _ticket_reference,
    ),
    # VAT numbers and similar: a country prefix followed by a long run of digits.
    Rule("id", re.compile(r"\b[A-Z]{2}\d{8,12}\b"), constant("<id>")),
    Rule("token", re.compile(r"(?<![\w/.-])[A-Za-z0-9+/_=-]{24,}(?![\w/])"), _random_token),
)

RULES: tuple[Rule, ...] = (
    *credentials.RULES,
    *_EMAIL_RULES,
    *_ID_RULES,
    *_ADDRESS_RULES,
    *phones.RULES,
    *_LAST_RULES,
)
