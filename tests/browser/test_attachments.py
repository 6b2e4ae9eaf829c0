import re
import shutil
import struct
import tempfile
import zlib

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.browser.base import BrowserTestCase
from tickets import selectors, services
from tickets.models import Attachment, Customer, Message, Team, Ticket

pytestmark = pytest.mark.browser

MEDIA = tempfile.mkdtemp(prefix="vigil-attachment-media-")


def screenshot_png(width: int = 320, height: int = 180) -> bytes:
    """A small picture like a screenshot: a title bar over a light page with a red error box."""

    def pixel(x: int, y: int) -> bytes:
        if y < 24:
            return b"\x3b\x5b\xdb"
        if 60 <= y < 110 and 40 <= x < 280:
            return b"\xfe\xcd\xca"
        return b"\xf5\xf6\xf8"

    rows = b"".join(b"\0" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = screenshot_png()
FILE = {"name": "error.png", "mimeType": "image/png", "buffer": PNG}


def image_loaded(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("img => img.complete && img.naturalWidth > 0")


@override_settings(MEDIA_ROOT=MEDIA)
class AttachmentTests(BrowserTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [self.team])
        customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=self.team, customer=customer, subject="Console error", body="It fails."
        )

    def test_a_customer_attaches_a_screenshot_to_a_new_ticket(self) -> None:
        page = self.new_page()
        page.goto(f"{self.live_server_url}/support/")
        page.fill("input[name=name]", "Grace Hopper")
        page.fill("input[name=email]", "grace@example.com")
        page.select_option("select[name=team]", "compute")
        page.fill("input[name=subject]", "Dashboard shows an error")
        page.fill("textarea[name=body]", "See the screenshot.")
        page.set_input_files("input[name=attachments]", [FILE])
        chosen = page.locator(".file-chosen-item")
        expect(chosen).to_have_count(1)
        expect(chosen).to_contain_text("error.png")
        expect(chosen.locator("img.file-thumb")).to_have_attribute(
            "src", re.compile(r"^data:image/png;base64,")
        )
        self.screenshot(page, "attachments-portal-new")
        page.get_by_role("button", name="Open ticket").click()
        page.wait_for_url("**/support/t/**")
        ticket = Ticket.objects.exclude(pk=self.ticket.pk).get()
        [kept] = Attachment.objects.filter(message__ticket=ticket)
        preview = page.locator(f"#message-{kept.message_id} .msg-attachments img")
        expect(preview).to_have_attribute("alt", "error.png")
        page.wait_for_function(
            "() => { const i = document.querySelector('.msg-attachments img');"
            " return i && i.complete && i.naturalWidth === 320; }"
        )
        self.screenshot(page, "attachments-portal-ticket")

    def test_an_analyst_attaches_in_the_reply_box_and_the_customer_sees_it_live(self) -> None:
        portal = self.new_page()
        portal.goto(f"{self.live_server_url}/support/t/{selectors.portal_token_for(self.ticket)}/")
        self.wait_live(portal)
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        self.wait_live(page)

        # A note with a log: for the team only.
        page.fill("textarea[name=body]", "Hypervisor log attached.")
        page.check("input[name=internal]")
        page.set_input_files(
            "input[name=attachments]",
            [{"name": "host.log", "mimeType": "text/plain", "buffer": b"hv-7: oops"}],
        )
        page.get_by_role("button", name="Send", exact=True).click()
        note = page.locator("#conversation .msg--internal")
        expect(note.get_by_role("link", name="host.log")).to_be_visible()

        # A reply with two files chosen, one taken off again before sending.
        page.fill("textarea[name=body]", "Here is what we see on our side.")
        page.set_input_files(
            "input[name=attachments]",
            [FILE, {"name": "extra.txt", "mimeType": "text/plain", "buffer": b"x"}],
        )
        expect(page.locator(".file-chosen-item")).to_have_count(2)
        expect(page.locator(".file-chosen-item img.file-thumb")).to_have_count(1)
        self.screenshot(page, "attachments-reply-chosen")
        page.get_by_role("button", name="Remove extra.txt").click()
        expect(page.locator(".file-chosen-item")).to_have_count(1)
        expect(page.locator("input[name=attachments]")).to_be_focused()
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator(".file-chosen-item")).to_have_count(0)

        reply = Message.objects.get(ticket=self.ticket, internal=False, kind="analyst")
        assert [a.name for a in reply.attachments.all()] == ["error.png"]
        selector = f"#message-{reply.pk} .msg-attachments img"
        expect(page.locator(selector)).to_be_visible()
        page.wait_for_function(f"() => document.querySelector('{selector}').naturalWidth === 320")
        self.screenshot(page, "attachments-reply-sent")

        # The customer's page got the reply live, its image from the customer's own link,
        # and nothing of the note.
        expect(portal.locator(selector)).to_be_visible()
        portal.wait_for_function(f"() => document.querySelector('{selector}').naturalWidth === 320")
        assert "/support/t/" in portal.locator(selector).get_attribute("src")
        expect(portal.locator("#conversation")).not_to_contain_text("host.log")
        expect(portal.locator("#conversation")).not_to_contain_text("Hypervisor")
        self.screenshot(portal, "attachments-portal-live")


# Its own live server: the limit must be the forked server's too.
@override_settings(MEDIA_ROOT=MEDIA, VIGIL_ATTACHMENT_MAX_BYTES=200)
class AttachmentLimitTests(BrowserTestCase):
    def setUp(self) -> None:
        team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [team])
        customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=team, customer=customer, subject="Console error", body="It fails."
        )

    def test_a_file_over_the_limit_is_marked_and_refused(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        page.fill("textarea[name=body]", "Screenshot attached.")
        page.set_input_files("input[name=attachments]", [FILE])
        expect(page.locator(".file-chosen-item .field-error")).to_contain_text(
            "over the limit of 200 bytes"
        )
        page.get_by_role("button", name="Send", exact=True).click()
        error = page.locator("#reply-box .form-error")
        expect(error).to_contain_text("error.png:")
        expect(error).to_contain_text("is over the limit of 200")
        expect(error).to_contain_text("Nothing was sent: choose the files again.")
        expect(page.locator("textarea[name=body]")).to_have_value("Screenshot attached.")
        self.screenshot(page, "attachments-refused")
        assert not Message.objects.filter(ticket=self.ticket, kind="analyst").exists()
