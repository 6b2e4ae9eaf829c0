import shutil
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from integrations.mail.receiving import mail_receive_raw
from integrations.models import Mailbox
from tests.browser.base import BrowserTestCase
from tests.mailservers.smtp import SmtpServer
from tickets.models import Team

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
# Started before the live server is forked, so that both processes know where it listens.
SMTP = SmtpServer()
MEDIA = tempfile.mkdtemp(prefix="vigil-email-media-")


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=SMTP.port,
    EMAIL_TIMEOUT=5,
    MEDIA_ROOT=MEDIA,
)
class EmailChannelTests(BrowserTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        SMTP.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        SMTP.stop()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [self.team])
        mailbox = Mailbox.objects.create(
            name="Compute mail",
            slug="compute-mail",
            team=self.team,
            address="compute@support.example.com",
            secret="s",
        )
        raw = (CORPUS / "attachment.eml").read_bytes()
        self.ticket_id = mail_receive_raw(mailbox=mailbox, raw=raw).ticket_id

    def test_a_mailed_ticket_is_read_and_answered_by_email(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket_id}/")
        first = page.locator("#conversation .msg").first
        expect(first.locator(".mail-received")).to_have_text("by email")
        expect(first.locator(".mail-note")).to_contain_text("winmail.dat")
        with page.expect_download() as download:
            first.get_by_role("link", name="invoice.pdf").click()
        assert download.value.suggested_filename == "invoice.pdf"
        page.fill("textarea[name=body]", "We are looking at the crash.")
        page.get_by_role("button", name="Send", exact=True).click()
        reply = page.locator("#conversation .msg").last
        expect(reply).to_contain_text("We are looking at the crash.")
        expect(reply.locator(".mail-sent")).to_have_text("emailed", timeout=15_000)
        self.screenshot(page, "email-channel")
        [sent] = SMTP.mails
        assert sent["To"] == "alan@example.co.uk"
        assert sent["In-Reply-To"] == "<attach-1@example.co.uk>"
