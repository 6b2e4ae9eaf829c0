import pytest
from playwright.sync_api import expect

from knowledge import services
from knowledge.models import KnowledgeEntry
from tests.browser.base import BrowserTestCase
from tickets.models import Team

pytestmark = pytest.mark.browser


class CurationTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Storage", slug="storage")
        self.make_user("mira", "curator", [self.team])
        services.entry_create(
            question="How do I make a block volume bigger?",
            answer="Resize it in the console, then run growpart and resize2fs.",
            actor=None,
            team=None,
            status=KnowledgeEntry.Status.APPROVED,
        )
        self.entry = services.entry_create(
            question="How can I grow a volume without downtime?",
            answer="Resize the volume in the console, then grow the partition with growpart "
            "and the file system with resize2fs; no reboot is needed.",
            actor=None,
            team=self.team,
            source=KnowledgeEntry.Source.LEARNED,
        )

    def test_a_curator_edits_and_approves_an_entry_in_the_queue(self) -> None:
        page = self.new_page()
        self.login(page, "mira")
        page.goto(f"{self.live_server_url}/knowledge/curation/")
        row = page.locator(f"#entry-row-{self.entry.pk}")
        expect(row.locator(".cur-compare")).to_have_count(1)
        expect(row.locator("ins").first).to_be_visible()
        self.screenshot(page, "curation-queue")
        row.locator("textarea[name=question]").fill("How do I grow a volume without downtime?")
        row.locator("button:has-text('Approve')").click()
        expect(row).to_contain_text("approved")
        self.entry.refresh_from_db()
        assert self.entry.status == KnowledgeEntry.Status.APPROVED
        assert self.entry.question == "How do I grow a volume without downtime?"
        assert self.entry.revisions.filter(kind="approved").exists()

    def test_the_keyboard_approves_the_focused_row(self) -> None:
        page = self.new_page()
        self.login(page, "mira")
        page.goto(f"{self.live_server_url}/knowledge/curation/")
        page.locator("body").press("j")
        row = page.locator(f"#entry-row-{self.entry.pk}")
        expect(row).to_be_focused()
        page.keyboard.press("a")
        expect(row).to_contain_text("approved")
        self.entry.refresh_from_db()
        assert self.entry.status == KnowledgeEntry.Status.APPROVED
