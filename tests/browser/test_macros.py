import pytest
from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, Macro, MacroUse, Team, Ticket

pytestmark = pytest.mark.browser


class MacroTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        billing = Team.objects.create(name="Billing", slug="billing")
        self.sam = self.make_user("sam", "analyst", [self.team])
        olga = self.make_user("olga", "analyst", [billing])
        customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=self.team, customer=customer, subject="Disk full", body="My disk is full"
        )
        Macro.objects.create(
            team=self.team,
            name="Disk cleanup",
            body="Hi {{ customer_first_name }}, see {{ ticket_number }}.",
            set_status=Ticket.Status.WAITING,
            set_priority=Ticket.Priority.HIGH,
            add_tags=["disk"],
        )
        Macro.objects.create(owner=self.sam, name="Sign-off", body="Best, {{ analyst_name }}")
        Macro.objects.create(owner=olga, name="Olga's secret", body="nope")
        Macro.objects.create(team=billing, name="Invoice copy", body="nope")

    def test_slash_inserts_a_macro_at_the_cursor_and_send_applies_it(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        box = page.locator("textarea[name=body]")
        box.click()
        box.press("/")
        search = page.locator(".macro-search")
        expect(search).to_be_focused()
        options = page.locator(".macro-option")
        expect(options).to_have_count(2)
        expect(page.locator("#macro-results")).not_to_contain_text("Olga")
        expect(page.locator("#macro-results")).not_to_contain_text("Invoice")
        search.fill("disk")
        expect(options).to_have_count(1)
        self.screenshot(page, "macros-picker")
        search.press("Enter")
        expect(box).to_be_focused()
        expect(box).to_have_value(f"Hi Ada, see #{self.ticket.pk}.")
        pending = page.locator(".macro-pending-item")
        expect(pending).to_contain_text("status → Waiting on customer")
        expect(pending).to_contain_text("tags + disk")
        # Typed text stays; the next macro goes where the cursor is.
        box.press("End")
        box.type(" Thanks!")
        box.press("Home")
        page.locator(".macro-open").click()
        expect(search).to_be_focused()
        search.fill("sign")
        expect(options).to_have_count(1)
        search.press("ArrowDown")
        search.press("Enter")
        expect(box).to_have_value(f"Best, Sam Hi Ada, see #{self.ticket.pk}. Thanks!")
        # Escape with nothing searched types the slash after all.
        box.press("End")
        box.press("Enter")
        box.press("/")
        page.keyboard.press("Escape")
        expect(box).to_have_value(f"Best, Sam Hi Ada, see #{self.ticket.pk}. Thanks!\n/")
        box.press("Backspace")
        self.screenshot(page, "macros-pending")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("#ticket-sidebar .badge").first).to_have_text("Waiting on customer")
        expect(page.locator(".timeline")).to_contain_text("set tags: disk")
        expect(page.locator(".macro-pending-item")).to_have_count(0)
        self.ticket.refresh_from_db()
        assert self.ticket.priority == Ticket.Priority.HIGH
        assert MacroUse.objects.count() == 2
        assert self.ticket.messages.last().body.startswith("Best, Sam Hi Ada")

    def test_enter_right_after_typing_chooses_from_the_fresh_results_not_the_old_ones(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        page.route(  # every search answers slowly, as on a busy day
            "**/macros/?q=*", lambda route: (page.wait_for_timeout(400), route.continue_())
        )
        box = page.locator("textarea[name=body]")
        box.click()
        box.press("/")
        expect(page.locator(".macro-option")).to_have_count(2)
        page.locator(".macro-search").type("sign")
        page.locator(".macro-search").press("Enter")  # the list still shows both
        expect(box).to_have_value("Best, Sam")

    def test_a_macro_taken_back_is_not_applied(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        page.locator(".macro-open").click()
        page.locator(".macro-option", has_text="Disk cleanup").click()
        page.get_by_role("button", name="Do not use Disk cleanup").click()
        expect(page.locator(".macro-pending-item")).to_have_count(0)
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator(".msg").last).to_contain_text("Hi Ada")
        self.ticket.refresh_from_db()
        assert self.ticket.status == Ticket.Status.OPEN
        assert not MacroUse.objects.exists()

    def test_an_analyst_keeps_macros_and_sees_save_errors(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.goto(f"{self.live_server_url}/tickets/macros/")
        expect(page.locator("body")).not_to_contain_text("Olga")
        page.fill("input[name=name]", "Greeting")
        page.fill("textarea[name=body]", "Hello {{ custmer_name }}")
        page.click("text=Save macro")
        expect(page.locator(".field-error")).to_contain_text(
            "Unknown placeholder {{ custmer_name }}"
        )
        page.fill("textarea[name=body]", "Hello {{ customer_name }}")
        page.click("text=Save macro")
        expect(page.locator(".flash")).to_contain_text("Macro “Greeting” saved.")
        self.screenshot(page, "macros-page")
        assert Macro.objects.get(name="Greeting").owner == self.sam
