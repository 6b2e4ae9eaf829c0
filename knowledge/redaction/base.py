"""What every rule is made of: a pattern, a kind and a decision per match."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDER_RE = re.compile(r"<(?:email|phone|ip|id|token|password|card|name)>")


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    # Returns the replacement for a match, or None to leave the match alone.
    replace: Callable[[re.Match[str]], str | None]


def constant(placeholder: str) -> Callable[[re.Match[str]], str | None]:
    return lambda match: placeholder


def keep_prefix(placeholder: str) -> Callable[[re.Match[str]], str | None]:
    """Keep the keyword in group 1 (e.g. 'Bearer ') and replace the value after it."""
    return lambda match: match.group(1) + placeholder


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
