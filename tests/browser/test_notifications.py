import pytest
from playwright.sync_api import Page, expect

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, Notification, Team

pytestmark = pytest.mark.browser


class NotificationTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        billing = Team.objects.create(name="Billing", slug="billing")
        self.sam = self.make_user("sam", "analyst", [self.team])
        self.make_user("lena", "analyst", [self.team])
        self.make_user("olga", "analyst", [billing])
        customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.com")
        self.ticket = services.ticket_create(
            team=self.team, customer=customer, subject="Disk full", body="My disk is full"
        )
        self.ticket_url = f"{self.live_server_url}/tickets/{self.ticket.pk}/"

    def note(self, page: Page, text: str) -> None:
        page.fill("#reply-box textarea[name=body]", text)
        page.check("input[name=internal]")
        page.click("#reply-box button.btn-primary")
        expect(page.locator("#conversation .msg--internal").last).to_contain_text(text)

    def test_the_bell_counts_live_opens_a_menu_and_marks_read(self) -> None:
        sam = self.new_page()
        self.login(sam, "sam")
        bell = sam.locator("#bell-button")
        count = sam.locator("#bell-count")
        expect(count).to_be_hidden()
        expect(sam.locator(".bell")).to_have_attribute("data-live", "1")

        lena = self.new_page()
        self.login(lena, "lena")
        lena.goto(self.ticket_url)
        self.note(lena, "@sam can you look at the volume? @olga too")
        # Arrives on sam's open queue without a reload.
        expect(count).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
        assert not Notification.objects.filter(user__username="olga").exists()

        bell.click()
        menu = sam.locator("#notification-menu")
        expect(bell).to_have_attribute("aria-expanded", "true")
        item = menu.locator(".notification")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(f"mentioned you in a note on #{self.ticket.pk}")
        expect(item).to_contain_text("Disk full")
        expect(item).to_contain_text("can you look at the volume?")
        self.screenshot(sam, "notifications-menu")

        item.get_by_role("button", name="Mark read").click()
        expect(menu.locator(".notification.is-unread")).to_have_count(0)
        expect(count).to_be_hidden()

        # Something new while the menu is open: it shows up in it.
        self.note(lena, "Thanks @sam.")
        expect(count).to_have_text("1")
        expect(menu.locator(".notification")).to_have_count(2)
        expect(menu.locator(".notification.is-unread")).to_contain_text("Thanks @sam.")

        sam.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(bell).to_be_focused()

        # Opening the ticket reads what was said about it.
        bell.click()
        menu.locator(".notification.is-unread .notification-link").click()
        sam.wait_for_url(self.ticket_url)
        expect(sam.locator("#bell-count")).to_be_hidden()

        sam.goto(f"{self.live_server_url}/tickets/notifications/")
        expect(sam.locator(".notification-page .notification")).to_have_count(2)
        self.screenshot(sam, "notifications-page")

    def test_typing_at_in_a_note_suggests_who_to_mention(self) -> None:
        lena = self.new_page()
        self.login(lena, "lena")
        lena.goto(self.ticket_url)
        box = lena.locator("#reply-box textarea[name=body]")
        options = lena.locator("#mention-results .mention-option")

        box.press_sequentially("Hi @sa")  # a public reply: the customer would read it
        lena.wait_for_timeout(400)
        expect(options).to_have_count(0)

        box.fill("")
        lena.check("input[name=internal]")
        box.press_sequentially("Can you look, @s")
        expect(options).to_have_count(1)  # sam; olga is another team's
        expect(options.first).to_contain_text("@sam")
        expect(options.first).to_have_attribute("aria-selected", "true")
        self.screenshot(lena, "mention-suggestions")
        box.press("Enter")
        expect(box).to_have_value("Can you look, @sam ")
        expect(options).to_have_count(0)
        box.press_sequentially("the disk is at 99%")
        lena.click("#reply-box button.btn-primary")
        expect(lena.locator("#conversation .msg--internal").last).to_contain_text("@sam the disk")
        assert Notification.objects.filter(user=self.sam, kind=Notification.Kind.MENTION).exists()

    def test_at_phone_width_the_menu_fits(self) -> None:
        services.ticket_assign(
            ticket=self.ticket, actor=self.team.members.get(username="lena"), assignee=self.sam
        )
        context = self.browser.new_context(viewport={"width": 390, "height": 844})
        self.addCleanup(context.close)
        sam = context.new_page()
        sam.set_default_timeout(10_000)
        self.login(sam, "sam")
        expect(sam.locator("#bell-count")).to_have_text("1")
        sam.locator("#bell-button").click()
        menu = sam.locator("#notification-menu")
        expect(menu.locator(".notification")).to_contain_text("assigned")
        box = menu.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        width = sam.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        self.screenshot(sam, "notifications-menu-phone")
