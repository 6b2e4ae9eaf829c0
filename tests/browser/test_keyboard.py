import pytest
from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, Team, Ticket

pytestmark = pytest.mark.browser


class KeyboardTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [self.team])
        customer = Customer.objects.create(name="Ada", email="ada@example.com")
        self.tickets = [
            services.ticket_create(
                team=self.team, customer=customer, subject=f"Ticket {n}", body="Help me please"
            )
            for n in range(3)
        ]

    def test_j_k_and_o_walk_the_queue_and_r_e_work_a_ticket(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/")
        rows = page.locator("table.queue tbody tr")
        page.locator("body").press("j")
        expect(rows.nth(0)).to_have_class("is-unread is-chosen")
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        expect(rows.nth(1)).to_have_class("is-unread is-chosen")
        chosen = rows.nth(1).locator(".col-subject a").inner_text()
        page.keyboard.press("?")
        expect(page.locator("#key-help")).to_contain_text("resolve (on a ticket)")
        page.keyboard.press("?")
        expect(page.locator("#key-help")).to_have_count(0)
        page.keyboard.press("o")
        expect(page.locator("h1")).to_have_text(chosen)
        page.keyboard.press("r")
        expect(page.locator("textarea[name=body]")).to_be_focused()
        page.locator("textarea[name=body]").press("e")  # typed into the box, not a key
        expect(page.locator("textarea[name=body]")).to_have_value("e")
        page.locator("h1").click()
        page.keyboard.press("e")
        expect(page.locator("#ticket-sidebar .badge").first).to_have_text("Resolved")
        ticket = Ticket.objects.get(subject=chosen)
        assert ticket.status == Ticket.Status.RESOLVED
