"""Replies in Markdown: rendered and sanitised on the console and the portal, plain in email."""

import pytest
from django.urls import reverse

from tickets import selectors
from tickets.rich_text import render_markdown

REPLY = (
    "Run `systemctl restart sshd`, then:\n\n"
    "```\njournalctl -u sshd\n```\n\n"
    "- **first** item\n- second item\n\n"
    "See [the guide](https://docs.example.com/ssh)."
)


def test_it_renders_code_lists_and_links():
    html = render_markdown(REPLY)
    assert "<code>systemctl restart sshd</code>" in html
    assert "<pre><code>journalctl -u sshd\n</code></pre>" in html
    assert "<li><strong>first</strong> item</li>" in html
    assert 'href="https://docs.example.com/ssh"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "`" not in html


@pytest.mark.parametrize(
    ("text", "kept_out"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", "<a "),
        ('<a href="https://x.example" onclick="steal()">x</a>', "<a "),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("![pixel](https://tracker.example/p.gif)", "<img"),
    ],
)
def test_html_in_a_reply_stays_text(text, kept_out):
    assert kept_out not in render_markdown(text)


def test_a_line_break_typed_is_kept():
    assert render_markdown("Hello,\nthanks") == "<p>Hello,<br>\nthanks</p>\n"


def test_the_console_renders_an_analysts_reply(client, analyst, ticket, reply, make_ticket):
    reply(ticket, REPLY)
    note = make_ticket(body="I typed `this` and <b>that</b>")
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
    assert "<code>systemctl restart sshd</code>" in page
    assert "`systemctl" not in page
    # What a customer wrote is shown as they typed it, escaped.
    customer_page = client.get(reverse("tickets:detail", args=[note.pk])).text
    assert "I typed `this` and &lt;b&gt;that&lt;/b&gt;" in customer_page


def test_the_portal_renders_it_too(client, ticket, reply):
    reply(ticket, REPLY + "\n\n<script>alert(1)</script>")
    token = selectors.portal_token_for(ticket)
    page = client.get(reverse("portal:ticket", args=[token])).text
    assert "<code>systemctl restart sshd</code>" in page
    assert "<li><strong>first</strong> item</li>" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_email_keeps_the_plain_text(
    client, analyst, ticket, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:reply", args=[ticket.pk]),
            {"body": REPLY},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    [received] = smtp_server.mails
    body = received.get_content()
    assert "Run `systemctl restart sshd`, then:" in body
    assert "<code>" not in body
