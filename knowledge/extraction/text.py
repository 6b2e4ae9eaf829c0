"""Text handling: cleaning a turn, and cutting it into lines and sentences."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.extraction.patterns import (
    _ABBREVIATIONS,
    _FILLER_RE,
    _GREETING_RE,
    _LINK,
    _LIST_MARKER_RE,
    _LOG_PREFIX_RE,
    _MENTION_RE,
    _QUOTED_HISTORY_RE,
    _SHORT_URL_RE,
    _STOPWORDS,
    _TWEET_PREFIX_RE,
    _TWEET_SIGNOFF_RE,
    _URL_RE,
)
from knowledge.redaction import PLACEHOLDER_RE


def bare_name(name: str) -> str:
    """A name without case, spaces or punctuation: the author "zoom_us" is the team "zoom-us"."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _has_words(text: str, count: int) -> bool:
    return len(re.findall(r"[A-Za-z']+", text)) >= count


def content_words(text: str) -> frozenset[str]:
    """The words of ``text`` that carry meaning, cut to five letters (a crude stem)."""
    words = re.findall(r"[a-z][a-z0-9']{2,}", text.lower())
    return frozenset(word[:5] for word in words if word not in _STOPWORDS)


_content_words = content_words


# Text handling.


@dataclass
class _Line:
    marker: str
    units: list[str]
    blank_before: bool


def _strip_noise(text: str, *, keep_urls: bool = False) -> str:
    text = html.unescape(text)
    text = _SHORT_URL_RE.sub(_LINK if keep_urls else "", text)
    if not keep_urls:
        text = _URL_RE.sub("", text)
    text = _MENTION_RE.sub("", text)
    text = _TWEET_PREFIX_RE.sub("", text.strip())
    text = _QUOTED_HISTORY_RE.split(text, maxsplit=1)[0]
    # Quoted lines repeat someone else's words, often the customer's.
    lines = [_LOG_PREFIX_RE.sub("", line) for line in text.splitlines() if not _is_quote(line)]
    text = "\n".join(lines).strip()
    # Sign-offs sit in the last few characters; only look there.
    head, tail = text[:-80], text[-80:]
    previous = None
    while previous != tail:
        previous, tail = tail, _TWEET_SIGNOFF_RE.sub("", tail).rstrip()
    return (head + tail).strip()


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _lines(text: str) -> list[_Line]:
    lines = []
    blank = False
    for raw in text.splitlines():
        if not raw.strip():
            blank = True
            continue
        match = _LIST_MARKER_RE.match(raw)
        marker = match.group(1) + " " if match else ""
        body = raw[match.end() :] if match else raw.strip()
        if body.startswith("`") and body.rstrip().endswith("`"):
            units = [body.strip()]
        else:
            units = _split_sentences(body)
        lines.append(_Line(marker=marker, units=units, blank_before=blank))
        blank = False
    return lines


def _split_sentences(text: str) -> list[str]:
    sentences = []
    start = 0
    for match in re.finditer(r"[.!?]+(?=\s+\S)", text):
        end = match.end()
        chunk = text[start:end]
        if chunk.count("`") % 2 or chunk.lower().endswith(_ABBREVIATIONS):
            continue
        if re.search(r"\b\w\.$", chunk) and not chunk.endswith(("?", "!")):
            continue  # an initial or "a." inside a list, not a sentence end
        sentences.append(chunk.strip())
        start = end
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


@lru_cache(maxsize=4096)
def _strip_fillers(unit: str) -> str:
    previous = None
    while previous != unit:
        previous = unit
        unit = _GREETING_RE.sub("", unit, count=1) if _GREETING_RE.match(unit) else unit
        unit = _FILLER_RE.sub("", unit, count=1).strip()
    return unit


def _drop_names(unit: str) -> str:
    # The addressee first: "<name>, run this" must not become ", run this".
    unit = re.sub(r"^<name>\s*[,:]\s*", "", unit)
    unit = re.sub(r"\s*\|\s*<name>\s*$", "", unit)  # a chat bot's "!command | <name>"
    unit = re.sub(r"\s*\^\s?(?:<name>|[A-Z][A-Za-z]*)\s*$", "", unit)  # a signature: "… ^Linda"
    unit = re.sub(r",?\s*<name>\s*([,.!?])", r"\1", unit)
    return unit.lstrip(",;: ").strip()


def _drop_placeholder_asides(unit: str) -> str:
    """ "(i-0abc, volume vol-1)" says nothing once redacted; drop such asides."""

    def aside(match: re.Match[str]) -> str:
        inner = PLACEHOLDER_RE.sub("", match.group(0))
        return (
            ""
            if PLACEHOLDER_RE.search(match.group(0)) and len(inner.split()) <= 3
            else match.group(0)
        )

    return re.sub(r"\s*\([^()]*\)", aside, unit)


def _capitalise(unit: str) -> str:
    # Only plain words: "nimbus@host" or "ls -la" must keep their case.
    if re.match(r"[a-z]+(?:'[a-z]+)?[,:]?(?:\s|$)", unit):
        return unit[0].upper() + unit[1:]
    return unit


def _as_sentence(unit: str) -> str:
    unit = _capitalise(unit.strip())
    return unit if unit.endswith((".", "?", "!", ":", ";", "…")) else unit + "."


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([?!])\1+", r"\1", text)
    text = re.sub(r"\s+([,.;:?!])", r"\1", text)
    return _capitalise(text)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
