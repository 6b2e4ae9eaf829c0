"""The Content-Security-Policy every answer carries, and templates that keep to it.

The browser test (tests/browser/test_content_security_policy.py) shows the pages pass it in
Chromium; these make sure the policy stays strict and no template brings inline code back.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
# What the policy refuses: inline <script> and <style> elements, event handler and style
# attributes, and htmx's attributes that need eval.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "htmx eval": re.compile(r"\shx-on[:-]|\shx-vars\s*=|[\"']js:", re.IGNORECASE),
}


def policy_of(response):
    directives = response.headers["Content-Security-Policy"].split("; ")
    return {name: value for name, _, value in (d.partition(" ") for d in directives)}


def test_it_allows_only_vigils_own_scripts_and_styles(client, db):
    policy = policy_of(client.get("/login/"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in " ".join(policy.values())


def test_websockets_may_reach_this_host_only(client, db):
    policy = policy_of(client.get("/login/", HTTP_HOST="localhost:8000"))
    assert policy["connect-src"].split() == [
        "'self'",
        "ws://localhost:8000",
        "wss://localhost:8000",
    ]


@pytest.mark.parametrize(
    "path", ["/login/", "/support/", "/api/docs/", "/admin/login/", "/api/v1/tickets/"]
)
def test_every_kind_of_page_carries_it(client, db, path):
    assert "script-src 'self'" in client.get(path).headers["Content-Security-Policy"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_no_template_has_inline_code(template):
    text = template.read_text()
    found = {kind for kind, pattern in INLINE.items() if pattern.search(text)}
    assert not found, f"{template.name}: {', '.join(sorted(found))} (refused by the policy)"


def test_the_template_check_would_see_each_kind():
    samples = {
        "inline script": "<script>alert(1)</script>",
        "style element": "<style>p {}</style>",
        "event handler": '<input onclick="this.select()">',
        "style attribute": '<div style="width: 5%">',
        "htmx eval": '<button hx-on:click="go()">',
    }
    for kind, sample in samples.items():
        assert INLINE[kind].search(sample), kind
    assert not INLINE["inline script"].search('<script src="/static/vigil/live.js" defer>')
