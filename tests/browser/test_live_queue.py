import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, SavedView, Team

pytestmark = pytest.mark.browser


class LiveQueueTests(BrowserTestCase):
    def setUp(self) -> None:
        self.compute = Team.objects.create(name="Compute", slug="compute")
        self.billing = Team.objects.create(name="Billing", slug="billing")
        self.sam = self.make_user("sam", "analyst", [self.compute])
        self.olga = self.make_user("olga", "analyst", [self.compute])
        self.make_user("bill", "analyst", [self.billing])
        self.customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=self.compute, customer=self.customer, subject="VM will not boot", body="Stuck."
        )

    def open_queue(self, username: str, query: str = "") -> Page:
        page = self.new_page()
        self.login(page, username)
        page.goto(f"{self.live_server_url}/tickets/{query}")
        self.wait_live(page)
        return page

    def open_on_portal(self, subject: str, topic: str = "compute") -> None:
        """A customer opens a ticket on the portal, in a browser of their own (the change is
        made by the server, whose websocket events reach the pages)."""
        portal = self.new_page()
        portal.goto(f"{self.live_server_url}/support/")
        portal.get_by_label("Your name").fill("Grace Hopper")
        portal.get_by_label("Email").fill("grace@example.com")
        portal.get_by_label("Topic").select_option(topic)
        portal.get_by_label("Subject").fill(subject)
        portal.get_by_label("How can we help?").fill("Since this morning my disk is read-only.")
        portal.get_by_role("button", name="Open ticket").click()
        portal.wait_for_url("**/support/t/**")

    def test_the_queue_and_saved_view_counts_follow_changes_made_elsewhere(self) -> None:
        sam = self.open_queue("sam", "?assignee=none")
        sam.get_by_label("Save these filters as").fill("unassigned compute")
        sam.get_by_role("button", name="Save", exact=True).click()
        view = sam.locator(".sv-item", has_text="unassigned compute")
        expect(view.locator(".sv-count")).to_have_text(re.compile(r"\b1 ticket$"))
        assert SavedView.objects.get().query == "assignee=none"
        expect(view.locator(".sv-link")).to_have_attribute("aria-current", "page")

        # A customer opens a ticket on the portal (another browser): it appears in Sam's queue
        # without a reload, and the view counts it.
        self.open_on_portal("Disk is read-only")
        row = sam.locator("table.queue tr", has_text="Disk is read-only")
        expect(row).to_be_visible()
        expect(row).to_have_class(re.compile(r"\brow-updated\b"))
        expect(view.locator(".sv-count")).to_have_text(re.compile(r"\b2 tickets$"))
        self.screenshot(sam, "live-queue-new-ticket")

        # Olga takes the first ticket on its page: it leaves Sam's "unassigned" list.
        olga = self.new_page()
        self.login(olga, "olga")
        olga.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        olga.get_by_role("button", name="Assign to me").click()
        expect(sam.locator("table.queue tr", has_text="VM will not boot")).to_have_count(0)
        expect(view.locator(".sv-count")).to_have_text(re.compile(r"\b1 ticket$"))

    def test_another_teams_ticket_does_not_reach_the_queue(self) -> None:
        bill = self.open_queue("bill")
        sam = self.open_queue("sam")
        self.open_on_portal("Compute only")
        expect(sam.locator("table.queue tr", has_text="Compute only")).to_be_visible()
        self.open_on_portal("Billing question", topic="billing")
        expect(bill.locator("table.queue tr", has_text="Billing question")).to_be_visible()
        # Bill's list was fetched again for his team's ticket, and still has no Compute one.
        expect(bill.locator("table.queue tr", has_text="Compute only")).to_have_count(0)
        expect(sam.locator("table.queue tr", has_text="Billing question")).to_have_count(0)

    def test_ticked_tickets_are_kept_and_the_refresh_is_offered(self) -> None:
        sam = self.open_queue("sam")
        sam.get_by_label(f"Tick #{self.ticket.pk}").check()
        self.open_on_portal("Later")
        notice = sam.locator("#queue-updates")
        expect(notice).to_be_visible()
        expect(sam.locator("table.queue tr", has_text="Later")).to_have_count(0)
        expect(sam.get_by_label(f"Tick #{self.ticket.pk}")).to_be_checked()
        notice.get_by_role("button", name="Show them").click()
        expect(sam.locator("table.queue tr", has_text="Later")).to_be_visible()
        expect(notice).to_be_hidden()

    def test_rename_and_delete_a_saved_view(self) -> None:
        sam = self.open_queue("sam", "?priority=2")
        sam.get_by_label("Save these filters as").fill("normal")
        sam.get_by_role("button", name="Save", exact=True).click()
        sam.locator("summary", has_text="Edit “normal”").click()
        sam.locator(".sv-rename").get_by_label("Name").fill("everyday")
        sam.get_by_role("button", name="Rename").click()
        expect(sam.locator(".sv-name")).to_have_text("everyday")
        sam.locator(".sv-link").click()
        expect(sam).to_have_url(f"{self.live_server_url}/tickets/?priority=2")
        sam.locator("summary", has_text="Edit “everyday”").click()
        self.screenshot(sam, "saved-view-edit")
        sam.get_by_role("button", name="Delete “everyday”").click()
        expect(sam.locator("#saved-views")).to_contain_text("None yet.")
        assert not SavedView.objects.exists()


class PresenceTests(BrowserTestCase):
    def setUp(self) -> None:
        team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [team])
        self.make_user("olga", "analyst", [team])
        customer = Customer.objects.create(name="Ada", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=team, customer=customer, subject="VM will not boot", body="Stuck."
        )

    def open_ticket(self, username: str) -> Page:
        page = self.new_page()
        self.login(page, username)
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        self.wait_live(page)
        return page

    def test_two_analysts_see_each_other_on_a_ticket(self) -> None:
        sam = self.open_ticket("sam")
        expect(sam.locator("#presence")).to_be_hidden()
        olga = self.open_ticket("olga")
        expect(sam.locator("#presence")).to_have_text("Also here: Olga")
        expect(olga.locator("#presence")).to_have_text("Also here: Sam")
        olga.locator("#reply-box textarea[name=body]").press_sequentially("Looking at it")
        expect(sam.locator(".typing-notice")).to_have_text("Olga is typing a reply…")
        self.screenshot(sam, "presence-typing")
        olga.locator("#reply-box button.btn-primary").click()
        expect(sam.locator(".typing-notice")).to_be_hidden()
        expect(sam.locator("#conversation")).to_contain_text("Looking at it")
        olga.context.close()
        expect(sam.locator("#presence")).to_be_hidden()
