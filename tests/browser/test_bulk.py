import pytest
from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, Team, Ticket

pytestmark = pytest.mark.browser


class BulkTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.sam = self.make_user("sam", "analyst", [self.team])
        customer = Customer.objects.create(name="Ada", email="ada@example.com")
        self.tickets = [
            services.ticket_create(
                team=self.team, customer=customer, subject=f"Ticket {n}", body="Help me please"
            )
            for n in range(3)
        ]
        services.ticket_change_status(ticket=self.tickets[0], actor=self.sam, status="closed")

    def test_tick_tickets_and_change_them_together(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/?status=all")
        count = page.locator(".bulk-count")
        page.get_by_role("button", name="Set priority").click()
        expect(count).to_have_text("Tick at least one ticket.")
        page.get_by_label("Tick every ticket on this page").check()
        expect(count).to_have_text("3 ticked — change them:")
        page.get_by_label(f"Tick #{self.tickets[1].pk}").uncheck()
        expect(count).to_have_text("2 ticked — change them:")
        page.get_by_label("Tick every ticket on this page").check()
        page.locator(".bulk-bar select[name=status]").select_option("waiting")
        self.screenshot(page, "bulk-ticked")
        page.get_by_role("button", name="Set status").click()
        flash = page.locator(".flash")
        expect(flash).to_contain_text(f"#{self.tickets[0].pk}: A closed ticket cannot be set")
        expect(flash).to_contain_text("Changed #")
        self.screenshot(page, "bulk-result")
        statuses = dict(Ticket.objects.values_list("pk", "status"))
        assert statuses[self.tickets[0].pk] == "closed"
        assert statuses[self.tickets[1].pk] == statuses[self.tickets[2].pk] == "waiting"
        page.get_by_label(f"Tick #{self.tickets[2].pk}").check()
        page.locator(".bulk-bar input[name=tags]").fill("vip, Disk")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator(".flash")).to_contain_text(f"Changed #{self.tickets[2].pk}.")
        assert Ticket.objects.get(pk=self.tickets[2].pk).tags == ["vip", "disk"]
