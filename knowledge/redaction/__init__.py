"""Remove personal and ticket-specific data from text before it becomes knowledge.

Pure functions, no Django. Each rule finds one kind of data and replaces it with a placeholder
such as ``<email>``; rules run in a fixed order and later rules never look inside placeholders,
so an email's domain is not also reported as a name or an id.

The rules are tuned to keep technical content: region names, kernel and package versions,
instance types, ports, sizes, paths, CLI flags and error messages survive. A link is not
personal data: its scheme, host and path are kept as written (they are often the answer), and
only what is personal inside it is redacted: credentials before the host, an email anywhere,
and the values of query parameters that carry secrets or identities.
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.redaction.base import PLACEHOLDER_RE, apply_rule
from knowledge.redaction.links import URL_RE, put_links_back, set_links_aside
from knowledge.redaction.names import find_unknown_names, known_names_rule, unknown_names_rule
from knowledge.redaction.rules import RULES

__all__ = ["PLACEHOLDER_RE", "URL_RE", "find_personal_data", "redact"]


def _run(text: str, names: Iterable[str]) -> tuple[str, list[tuple[str, str]]]:
    found: list[tuple[str, str]] = []
    text, links = set_links_aside(text, found)
    for rule in RULES:
        text = apply_rule(rule, text, found)
    name_rule = known_names_rule(tuple(sorted({n.strip() for n in names if n and n.strip()})))
    if name_rule is not None:
        text = apply_rule(name_rule, text, found)
    # Names the ticket does not know, found by the words around them once every other kind of
    # data is a placeholder.
    unknown_rule = unknown_names_rule(tuple(find_unknown_names(text)))
    if unknown_rule is not None:
        text = apply_rule(unknown_rule, text, found)
    return put_links_back(text, links), found


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """Replace personal and ticket-specific data in ``text`` with placeholders.

    ``names`` are people's names (full names; their first names are matched too), matched
    case-insensitively as whole words.
    """
    return _run(text, names)[0]


def find_personal_data(text: str, *, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Every piece of data ``redact`` would replace, as (kind, matched text), in rule order."""
    return _run(text, names)[1]
