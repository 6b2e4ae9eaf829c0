import pytest
from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase
from tickets import selectors, services
from tickets.models import Customer, Message, SatisfactionRating, Team, Ticket

pytestmark = pytest.mark.browser


class CustomerTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.analyst = self.make_user("sam", "analyst", [self.team])
        self.customer = Customer.objects.create(name="Priya Raman", email="priya@example.com")
        self.ticket = services.ticket_create(
            team=self.team,
            customer=self.customer,
            subject="VM will not boot",
            body="Kernel panic after the update.",
        )
        token = selectors.portal_token_for(self.ticket)
        self.portal_url = f"{self.live_server_url}/support/t/{token}/"

    def staff_url(self, ticket: Ticket) -> str:
        return f"{self.live_server_url}/tickets/{ticket.pk}/"

    def test_the_customer_rates_a_resolution_that_arrives_live(self) -> None:
        services.message_create(
            ticket=self.ticket,
            kind=Message.Kind.ANALYST,
            author=self.analyst,
            body="Boot the **previous** kernel:\n\n```\ngrub-reboot 1\n```",
        )
        customer = self.new_page()
        customer.goto(self.portal_url)
        self.wait_live(customer)
        # Markdown rendered, never raw backticks.
        expect(customer.locator("#conversation pre code")).to_have_text("grub-reboot 1\n")
        expect(customer.locator("#conversation strong")).to_have_text("previous")
        expect(customer.locator("#rating-box")).to_be_hidden()

        analyst = self.new_page()
        self.login(analyst, "sam")
        analyst.goto(self.staff_url(self.ticket))
        self.wait_live(analyst)
        analyst.get_by_role("button", name="Resolve", exact=True).click()
        expect(customer.locator("#rating-box")).to_contain_text("How did we do?")
        customer.get_by_role("radio", name="Bad").check()
        customer.fill("#rating-comment", "It took two days.")
        # A change on the ticket meanwhile refreshes the page's parts, not the box being written.
        with customer.expect_response(lambda r: r.url.endswith("/support/") or "/t/" in r.url):
            analyst.fill("#ticket-sidebar input[name=tags]", "kernel")
            analyst.locator("#ticket-sidebar input[name=tags] + button").click()
        customer.wait_for_timeout(500)
        expect(customer.locator("#rating-comment")).to_have_value("It took two days.")
        expect(customer.get_by_role("radio", name="Bad")).to_be_checked()
        customer.get_by_role("button", name="Send rating").click()
        expect(customer.locator("#rating-box .rating-done")).to_contain_text("You rated this bad.")
        self.screenshot(customer, "portal-rating")
        customer.get_by_text("Change your rating").click()
        customer.get_by_role("radio", name="Good").check()
        customer.get_by_role("button", name="Update rating").click()
        expect(customer.locator("#rating-box .rating-done")).to_contain_text("You rated this good.")
        rating = SatisfactionRating.objects.get()
        assert (rating.rating, rating.comment) == ("good", "It took two days.")

        # The analyst's page shows it live.
        expect(analyst.locator("#ticket-sidebar")).to_contain_text("Good")
        expect(analyst.locator("#ticket-sidebar")).to_contain_text("It took two days.")

    def test_an_analyst_merges_and_the_open_pages_learn_of_it(self) -> None:
        second = services.ticket_create(
            team=self.team, customer=self.customer, subject="Still stuck", body="Any news?"
        )
        watcher = self.new_page()
        self.login(watcher, "sam")
        watcher.goto(self.staff_url(second))
        self.wait_live(watcher)
        customer = self.new_page()
        customer.goto(f"{self.live_server_url}/support/t/{selectors.portal_token_for(second)}/")
        self.wait_live(customer)

        analyst = self.new_page()
        self.login(analyst, "sam")
        analyst.goto(self.staff_url(second))
        analyst.select_option("select[name=into]", str(self.ticket.pk))
        analyst.get_by_role("button", name="Merge…").click()
        expect(analyst.locator("h1")).to_have_text(f"Merge #{second.pk} into #{self.ticket.pk}?")
        self.screenshot(analyst, "merge-confirm")
        analyst.get_by_role("button", name=f"Merge into #{self.ticket.pk}").click()
        analyst.wait_for_url(f"**/tickets/{self.ticket.pk}/")
        expect(analyst.locator(".flash")).to_contain_text(f"#{second.pk} was merged")
        expect(analyst.locator("#conversation")).to_contain_text("Any news?")
        expect(analyst.locator(".timeline")).to_contain_text(f"merged #{second.pk} into this")

        # The pages still open on the merged ticket are told, and lead to the other.
        expect(watcher.locator("#merged-notice")).to_contain_text(f"merged into #{self.ticket.pk}")
        expect(watcher.locator("#ticket-sidebar .badge").first).to_have_text("Closed")
        expect(customer.locator("#merged-notice")).to_contain_text(f"merged into #{self.ticket.pk}")
        customer.get_by_role("link", name=f"Go to #{self.ticket.pk}").click()
        expect(customer.locator("#conversation")).to_contain_text("Kernel panic")
        expect(customer.locator("#conversation")).to_contain_text("Any news?")
