"""People's names the ticket knows (its customer's and analysts'), as one rule."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.redaction.rules import Rule

# First names that are also everyday words are only matched when capitalised.
_WORDLIKE_FIRST_NAMES = frozenset(
    {
        "art",
        "bill",
        "bob",
        "chase",
        "dawn",
        "faith",
        "grace",
        "grant",
        "hope",
        "jack",
        "joy",
        "june",
        "mark",
        "may",
        "max",
        "pat",
        "rose",
        "sky",
        "summer",
        "will",
    }
)


@lru_cache(maxsize=256)
def known_names_rule(names: tuple[str, ...]) -> Rule | None:
    """One rule matching every full name and first name, longest first."""
    exact: set[str] = set()
    capitalised_only: set[str] = set()
    for raw in names:
        name = " ".join(raw.split())
        if len(name) < 2 or "@" in name:
            continue
        exact.add(name)
        first = name.split(" ")[0]
        if len(first) < 2:
            continue
        if first.lower() in _WORDLIKE_FIRST_NAMES:
            capitalised_only.add(first)
        else:
            exact.add(first)
    if not exact and not capitalised_only:
        return None
    alternatives = [r"\s+".join(re.escape(part) for part in name.split(" ")) for name in exact] + [
        f"(?-i:{re.escape(first[0].upper() + first[1:])})" for first in capitalised_only
    ]
    alternatives.sort(key=len, reverse=True)
    pattern = re.compile(r"(?i)(?<![\w<@])(?:" + "|".join(alternatives) + r")(?![\w>@])")
    wordlike = frozenset(capitalised_only)

    def replace(match: re.Match[str]) -> str | None:
        # "Grant the role…" starts a sentence; "Thanks, Grant" names someone.
        before = match.string[: match.start()].rstrip(" \t")
        if match.group(0) in wordlike and (not before or before[-1] in ".!?:\n`*-"):
            return None
        return "<name>"

    return Rule("name", pattern, replace)
