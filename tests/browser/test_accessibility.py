"""Every page at phone width and for keyboard and screen reader users.

Each role's pages are loaded at 1280 and at 390 px wide: axe-core (the engine bundled by
axe-playwright-python) finds no serious or critical violation; at 390 px nothing scrolls
sideways and every control is at least 24 px to tap.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from copilot.models import CopilotRun
from tests.browser.base import BrowserTestCase
from tests.dashboards.conftest import H, build, days_ago, make_run, suggest
from tickets import services
from tickets.models import Customer, Macro, Team, Ticket
from tickets.selectors import portal_token_for

pytestmark = pytest.mark.browser

AXE = Axe()
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# The controls a person taps: buttons, fields, button-like links and the navigation's links.
# A box inside a label is tapped through its label. Links inside running text are exempt
# (WCAG 2.5.8), as are controls the page hides.
SMALL_TARGETS = """() => {
  const selector = "button, select, textarea, input:not([type=hidden]), a.btn, .topnav a,"
    + " .jump-links a, .dash-tabs a, .skip-link:focus, summary";
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (getComputedStyle(el).visibility === "hidden" || el.closest("[hidden]")) continue;
    const label = (el.type === "checkbox" || el.type === "radio") && el.closest("label");
    const box = (label || el).getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width < 24 || box.height < 24) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || "").trim();
      small.push(el.tagName.toLowerCase() + " '" + name.slice(0, 40) + "' "
        + Math.round(box.width) + "x" + Math.round(box.height));
    }
  }
  return small;
}"""

# What passes the right edge without making the page wider: clipped by a parent. A box that
# scrolls sideways on purpose (a wide table's wrapper) may hold wider things.
BEYOND_THE_EDGE = """() => {
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const beyond = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= innerWidth + 1) continue;
    if (getComputedStyle(el).visibility === "hidden" || scrolls(el)) continue;
    const name = el.tagName.toLowerCase() + "." + el.className;
    beyond.push(name + " ends at " + Math.round(box.right));
  }
  return beyond;
}"""


class AccessibilityTests(BrowserTestCase):
    def setUp(self) -> None:
        self.compute = Team.objects.create(name="Compute", slug="compute")
        self.billing = Team.objects.create(name="Billing", slug="billing")
        # Tickets, copilot runs, suggestions, knowledge and its history: every dashboard and
        # the curation queue have something to show.
        self.data = build(days_ago(5), self.compute, self.billing)
        self.sam = self.make_user("sam", "analyst", [self.compute, self.billing])
        self.make_user("cora", "curator", [self.compute])
        self.make_user("mona", "manager", [])
        admin = self.make_user("ada", "admin", [])
        User.objects.filter(pk=admin.pk).update(is_staff=True)
        olga = self.make_user("olga", "analyst", [self.compute])
        customer = Customer.objects.create(name="Jonas Lindqvist", email="jonas@example.com")
        self.ticket = services.ticket_create(
            team=self.compute,
            customer=customer,
            subject="Three web nodes unreachable in eu-central-1",
            body="Three of our web nodes stopped responding around 09:15. This is production.",
            priority=Ticket.Priority.HIGH,
        )
        services.ticket_assign(ticket=self.ticket, actor=olga, assignee=olga)
        services.message_create(
            ticket=self.ticket,
            kind="analyst",
            body="The host had a network flap; moving them.",
            author=olga,
            internal=True,
        )
        services.message_create(
            ticket=self.ticket,
            kind="analyst",
            body="Hi Jonas, I'm on it: your instances share a host that had a network flap.",
            author=olga,
        )
        services.message_create(
            ticket=self.ticket,
            kind="customer",
            body="How do I resize a disk while you are at it?",
            author_name=customer.name,
        )
        self.other = services.ticket_create(
            team=self.compute, customer=customer, subject="Startup credits", body="Any news?"
        )
        # Resolved, so its portal page offers the satisfaction rating.
        self.resolved = services.ticket_create(
            team=self.compute, customer=customer, subject="Invoice copy", body="Please resend"
        )
        services.ticket_change_status(ticket=self.resolved, actor=olga, status="resolved")
        run = make_run(self.ticket, self.data.day0 + H, CopilotRun.Decision.SPEAK)
        suggest(run, self.data.day0 + H, "shown", cites=[self.data.old])
        self.macro = Macro.objects.create(owner=self.sam, name="Sign-off", body="Best, Sam")
        self.entry = self.data.old

    # Pages ------------------------------------------------------------------------------

    def pages_for(self, role: str) -> list[str]:
        ticket = f"/tickets/{self.ticket.pk}/"
        common = [
            "/tickets/",
            ticket,
            "/knowledge/",
            f"/knowledge/{self.entry.pk}/",
            "/dashboards/knowledge/",
            "/account/api-token/",
            "/tickets/notifications/",
        ]
        working = ["/tickets/macros/", "/dashboards/support/", "/dashboards/copilot/"]
        working += [
            f"/tickets/customers/{self.ticket.customer_id}/",
            f"/tickets/{self.other.pk}/merge/?into={self.ticket.pk}",
        ]
        curating = ["/knowledge/curation/", "/knowledge/curation/groups/", "/knowledge/new/"]
        managing = ["/copilot/replays/", "/copilot/replays/new/", "/dashboards/audit/runs/"]
        managing += ["/dashboards/audit/curation/"]
        return {
            "sam": common + working + [f"/tickets/macros/{self.macro.pk}/edit/"],
            "cora": common + curating,
            "mona": common + working + managing,
            "ada": common + working + curating + managing + ["/copilot/imports/"],
        }[role]

    def open(self, page: Page, path: str, status: int = 200) -> None:
        response = page.goto(f"{self.live_server_url}{path}")
        assert response is not None
        assert response.status == status, path
        if page.locator("#copilot-panel").count():
            # The panel loads itself after the page; check it as people see it.
            expect(page.locator("#copilot-panel")).not_to_contain_text("Loading…")

    def problems(self, page: Page, path: str, *, phone: bool) -> list[str]:
        found = []
        if page.locator("a.skip-link[href='#main']").count() != 1 or not page.locator("#main"):
            found.append(f"{path}: no skip link to #main")
        if phone:
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            if scroll > inner:
                found.append(f"{path}: {scroll} px wide at {inner} px")
            found += [f"{path}: {el} at {inner} px" for el in page.evaluate(BEYOND_THE_EDGE)]
            found += [f"{path}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
        width = "phone" if phone else "desktop"
        for violation in AXE.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                nodes = [node["target"] for node in violation["nodes"][:3]]
                found.append(f"{path} ({width}): {violation['id']}: {violation['help']} {nodes}")
        return found

    def check_role(self, username: str) -> None:
        found = []
        for viewport, phone in ((DESKTOP, False), (PHONE, True)):
            context = self.browser.new_context(viewport=viewport)
            self.addCleanup(context.close)
            page = context.new_page()
            page.set_default_timeout(10_000)
            self.login(page, username)
            for path in self.pages_for(username):
                self.open(page, path)
                found += self.problems(page, path, phone=phone)
            self.open(page, "/tickets/999999/", status=404)
            found += self.problems(page, "the 404 page", phone=phone)
            if username == "sam":
                self.open(page, "/knowledge/curation/", status=403)
                found += self.problems(page, "the 403 page", phone=phone)
            if phone:
                self.open(page, "/tickets/")
                self.screenshot(page, f"phone-queue-{username}")
        assert found == []

    # Each role's pages ------------------------------------------------------------------

    def test_it_fits_every_page_of_an_analyst_at_phone_width_without_violations(self) -> None:
        self.check_role("sam")

    def test_it_fits_every_page_of_a_curator_at_phone_width_without_violations(self) -> None:
        self.check_role("cora")

    def test_it_fits_every_page_of_a_manager_at_phone_width_without_violations(self) -> None:
        self.check_role("mona")

    def test_it_fits_every_page_of_an_admin_at_phone_width_without_violations(self) -> None:
        self.check_role("ada")

    def test_it_fits_the_login_and_the_customers_pages(self) -> None:
        token = portal_token_for(self.ticket)
        found = []
        for viewport, phone in ((DESKTOP, False), (PHONE, True)):
            context = self.browser.new_context(viewport=viewport)
            self.addCleanup(context.close)
            page = context.new_page()
            rating = f"/support/t/{portal_token_for(self.resolved)}/"
            for path in ("/login/", "/support/", f"/support/t/{token}/", rating):
                self.open(page, path)
                found += self.problems(page, path, phone=phone)
            self.open(page, "/support/t/not-a-token/", status=403)
            found += self.problems(page, "the portal's refusal", phone=phone)
        assert found == []

    # The ticket page at phone width ---------------------------------------------------

    def test_it_reaches_the_copilot_and_the_status_from_the_top_of_a_phone_screen(self) -> None:
        for n in range(12):
            services.message_create(
                ticket=self.ticket, kind="customer", body=f"Still down, update {n}. " * 8
            )
        context = self.browser.new_context(viewport=PHONE)
        self.addCleanup(context.close)
        page = context.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        jump = page.get_by_role("navigation", name="Parts of this ticket")
        expect(jump).to_be_visible()
        expect(page.locator("#copilot-panel")).not_to_be_in_viewport()
        jump.get_by_role("link", name="Copilot").click()
        heading = page.locator("#copilot-panel h2")
        expect(heading).to_be_in_viewport()
        expect(jump).to_be_in_viewport()  # it stays at the top, for the next jump
        page.wait_for_function("() => scrollY > 0")
        below = page.evaluate(
            "() => document.querySelector('#copilot-panel h2').getBoundingClientRect().top"
            " >= document.querySelector('.jump-links').getBoundingClientRect().bottom"
        )
        assert below, "the jump links cover the copilot's heading"
        jump.get_by_role("link", name="Status").click()
        resolve = page.locator("#ticket-status").get_by_role("button", name="Resolve")
        expect(resolve).to_be_in_viewport()
        self.screenshot(page, "phone-ticket-status")
        resolve.click()
        expect(page.locator("#ticket-status .badge")).to_have_text("Resolved")
        jump.get_by_role("link", name="Reply").click()
        expect(page.locator("#reply-box textarea")).to_be_in_viewport()

    def test_it_shows_the_jump_links_only_at_phone_width(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        jump = page.locator("nav.jump-links")
        expect(jump).to_have_count(1)
        expect(jump).to_be_hidden()  # beside the conversation, the panels need no jump

    # Keyboard and screen reader --------------------------------------------------------

    def test_it_changes_nothing_until_a_choice_is_confirmed(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.select_option("#prop-assignee", str(self.sam.pk))
        page.select_option("#prop-priority", str(Ticket.Priority.URGENT))
        page.select_option("#prop-team", "billing")
        page.wait_for_timeout(700)
        assert posts == []
        self.ticket.refresh_from_db()
        assert (self.ticket.assignee.username, self.ticket.priority) == (
            "olga",
            Ticket.Priority.HIGH,
        )
        assert self.ticket.team == self.compute

        page.get_by_role("button", name="Set priority").click()
        expect(page.locator(".timeline")).to_contain_text("set priority")
        self.ticket.refresh_from_db()
        assert self.ticket.priority == Ticket.Priority.URGENT
        assert self.ticket.assignee.username == "olga"  # the other choices were not confirmed
        page.select_option("#prop-assignee", str(self.sam.pk))
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.locator(".timeline")).to_contain_text("assigned to Sam")
        self.ticket.refresh_from_db()
        assert self.ticket.assignee == self.sam
        assert self.ticket.team == self.compute

    def test_it_moves_focus_to_the_message_sent(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        self.wait_live(page)
        page.fill("#reply-box textarea", "Resize it from the disk's page, then restart.")
        page.get_by_role("button", name="Send", exact=True).focus()
        page.keyboard.press("Enter")
        sent = page.locator("#conversation > li").last
        expect(sent).to_contain_text("Resize it from the disk's page")
        expect(sent).to_be_focused()

    def test_it_keeps_focus_in_the_reply_box_when_a_reply_is_refused(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("#reply-box .form-error")).to_be_visible()
        expect(page.locator("#reply-box textarea")).to_be_focused()

    def test_it_moves_focus_to_the_summary(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        page.get_by_role("button", name="Summarise ticket").click()
        summary = page.get_by_role("region", name="Summary of the ticket")
        expect(summary).to_contain_text("Three web nodes unreachable")
        expect(summary).to_be_focused()
        assert self.problems(page, "the ticket with its summary", phone=False) == []

    def test_it_has_no_violations_with_the_macro_picker_or_the_keys_open(self) -> None:
        context = self.browser.new_context(viewport=PHONE)
        self.addCleanup(context.close)
        page = context.new_page()
        self.login(page, "sam")
        self.open(page, f"/tickets/{self.ticket.pk}/")
        page.get_by_role("button", name="Macros", exact=True).click()
        expect(page.locator(".macro-option")).to_have_count(1)
        found = self.problems(page, "the macro picker", phone=True)
        page.keyboard.press("Escape")
        page.locator("h1").click()
        page.keyboard.press("?")
        expect(page.locator("#key-help")).to_be_visible()
        found += self.problems(page, "the list of keys", phone=True)
        assert found == []

    def test_it_has_no_violations_with_the_notifications_menu_open(self) -> None:
        olga = self.compute.members.get(username="olga")
        services.ticket_assign(ticket=self.ticket, actor=olga, assignee=self.sam)
        found = []
        for viewport, phone in ((DESKTOP, False), (PHONE, True)):
            context = self.browser.new_context(viewport=viewport)
            self.addCleanup(context.close)
            page = context.new_page()
            self.login(page, "sam")
            page.locator("#bell-button").click()
            expect(page.locator("#notification-menu .notification")).to_have_count(1)
            found += self.problems(page, "the notifications menu", phone=phone)
        assert found == []

    def test_it_skips_to_the_content_from_the_first_tab(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        self.open(page, "/tickets/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.locator("#q")).to_be_focused()
