"""Phone numbers: a pattern proposes what is shaped like one, libphonenumber decides.

A candidate is a run of digits in groups, with a ``+``/``00`` country prefix, a trunk ``0``, a
North American shape or a word such as "call" or "mobile" before it. The ``phonenumbers``
package (Google's libphonenumber, with the numbering plans of every country) then keeps only
numbers of a possible length for their country: with a country code for that country, without
one for any of the countries support tickets most often come from. Dates, versions and
ranges never reach it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from knowledge.redaction.base import Rule

# Countries tried for a number written without its country code, most likely first.
_REGIONS = (
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "SE", "NO", "DK", "FI",
    "PL", "PT", "IN", "AU", "NZ", "BR", "MX", "AR", "JP", "CN", "KR", "SG", "ZA",
)  # fmt: skip
_CANDIDATE_RE = re.compile(
    # The leading lookahead lets the engine skip most positions cheaply.
    r"(?=[+(\d])(?<![\w+.\-/:@#=$€£%])"
    r"(?:\+|\b00[ ]?)?(?:\(\d{1,4}\)[ .\-]?)?\d[\d .\-()/]{4,22}\d"
    r"(?![\w\-/%]|[.,:]\d)"
)
_KEYWORD_RE = re.compile(
    r"(?i)(?:\b(?:phone|tel|telephone|mobile|cell|cellphone|whatsapp|fax|call|ring|dial|text"
    r"|sms|handy|celular|m[oó]vil|t[ée]l[ée]phone|telefon|telefone"
    r"|(?:my|our|his|her|their|direct|phone|contact)\s+(?:number|line))\b[\w\s:.#'\u2019]{0,16}$)"
)
_DATE_RE = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NANP_RE = re.compile(r"(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _possible(number: str, region: str | None) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed)


def _valid_somewhere(number: str) -> bool:
    for region in _REGIONS:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


@lru_cache(maxsize=1024)
def is_phone_number(candidate: str, *, introduced: bool = False) -> bool:
    """Whether ``candidate`` (as written) is a phone number; ``introduced`` when a word such
    as "call" or "mobile" comes before it."""
    digits = _digits(candidate)
    if not 7 <= len(digits) <= 15 or _DATE_RE.fullmatch(candidate):
        return False
    if sum(len(group) == 1 for group in re.findall(r"\d+", candidate)) > 1:
        return False  # "1 2 3 4 5 6 7": a list of numbers, not one number
    if _ISO_DATE_RE.search(candidate):
        return False
    if candidate.startswith(("+", "00")):
        international = "+" + digits[2:] if candidate.startswith("00") else "+" + digits
        return _possible(international, None)
    if _NANP_RE.fullmatch(candidate):
        return _possible(candidate, "US")
    grouped = bool(re.search(r"\d[ .\-()]+\d", candidate))
    if "." in candidate and not re.fullmatch(r"0\d(?:\.\d{2}){4}", candidate):
        # Dots other than the French 04.72.10.30.30 write versions more often than numbers.
        return introduced and _valid_somewhere(candidate)
    if digits.startswith("0") and (grouped or introduced):
        # A trunk prefix: possible in one of the usual countries (fictional ranges such as
        # 07700 900xxx are not "valid" but are written like real ones).
        return any(_possible(candidate, region) for region in _REGIONS[1:])
    if introduced or (grouped and len(re.findall(r"\d+", candidate)) >= 3):
        return _valid_somewhere(candidate)
    return False


def _phone(match: re.Match[str]) -> str | None:
    written = match.group(0)
    # A parenthesis opened before the number ("(call 415 …") is not part of it.
    candidate = written.lstrip("(") if written.count("(") > written.count(")") else written
    if candidate.count("(") != candidate.count(")"):
        return None
    before = match.string[max(0, match.start() - 40) : match.start()]
    introduced = bool(_KEYWORD_RE.search(before))
    # "(0)" after a country code is the trunk prefix, written for callers at home.
    if is_phone_number(candidate.replace("(0)", ""), introduced=introduced):
        return written[: len(written) - len(candidate)] + "<phone>"
    return None


RULES: tuple[Rule, ...] = (Rule("phone", _CANDIDATE_RE, _phone),)
