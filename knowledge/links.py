"""Links in knowledge: found in text and compared the way a reader would.

Two links are the same page when they differ only in scheme, a web-archive prefix, the query,
the fragment, a trailing slash or letter case.
"""

import re

from knowledge.redaction import URL_RE

_ARCHIVE_RE = re.compile(r"(?i)^(?:https?://)?web\.archive\.org/web/\d+[a-z_]*/")
_SCHEME_RE = re.compile(r"(?i)^https?://")


def normalise_link(url: str) -> str:
    """``url`` without what does not change the page it names."""
    url = _SCHEME_RE.sub("", _ARCHIVE_RE.sub("", url.strip()))
    url = url.split("#")[0].split("?")[0].replace(":443", "")
    return url.rstrip("/.,;:)!").lower()


def links_in(text: str) -> frozenset[str]:
    """The normalised links in ``text``."""
    return frozenset(filter(None, (normalise_link(m.group(0)) for m in URL_RE.finditer(text))))
