"""Replies written in Markdown, shown as HTML on the console and the portal.

markdown-it-py renders CommonMark with raw HTML turned off, so what an analyst (or a model)
types as a tag stays text; nh3 then keeps only the tags and attributes listed here, whatever
the renderer produced. Emails keep the plain text as written.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No style attributes: the Content-Security-Policy would refuse them anyway.
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A reply longer than this is shown as plain text: rendering it would cost more than it helps.
MAX_CHARS = 100_000


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "breaks": a line break typed in the reply box is one on the page, as customers expect.
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> SafeString:
    """``text`` as sanitised HTML: Markdown rendered, raw HTML kept as text, links safe."""
    if len(text) > MAX_CHARS:
        html = "<p>" + nh3.clean_text(text).replace("\n", "<br>") + "</p>"
    else:
        html = _parser().render(text)
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
