import pytest
from playwright.sync_api import expect

from copilot import summary
from copilot.models import Suggestion, TeamCopilotSettings
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeEntry
from tests.browser.base import BrowserTestCase
from tickets import selectors, services
from tickets.models import Customer, Team, Ticket

pytestmark = pytest.mark.browser
ANSWER = (
    "Stop the instance, boot it in rescue mode, mount the root disk at /mnt and append your new "
    "public key to /mnt/home/USER/.ssh/authorized_keys; then leave rescue mode and start it."
)


class CopilotPanelTests(BrowserTestCase):
    def setUp(self) -> None:
        team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [team])
        knowledge_services.entry_create(
            question="How can I regain SSH access to an instance after losing my key?",
            answer=ANSWER,
            actor=None,
            status=KnowledgeEntry.Status.APPROVED,
        )
        customer = Customer.objects.create(name="Priya Raman", email="priya@example.com")
        self.ticket = services.ticket_create(
            team=team, customer=customer, subject="Locked out", body="Hello, I need help."
        )
        self.team = team
        token = selectors.portal_token_for(self.ticket)
        self.portal_url = f"{self.live_server_url}/support/t/{token}/"

    def test_a_suggestion_reaches_the_panel_and_the_customer_gets_it(self) -> None:
        analyst = self.new_page()
        self.login(analyst, "sam")
        analyst.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        self.wait_live(analyst)
        expect(analyst.locator("#copilot-panel")).to_contain_text("Nothing to suggest")

        customer = self.new_page()
        customer.goto(self.portal_url)
        self.wait_live(customer)
        customer.fill(
            "#reply-box textarea[name=body]",
            "I lost my SSH private key and cannot log into my server any more. What can I do?",
        )
        customer.click("#reply-box button[type=submit]")

        panel = analyst.locator("#copilot-panel")
        expect(panel.locator(".suggestion")).to_contain_text("rescue mode", timeout=15_000)
        expect(panel).to_contain_text("Knowledge match")
        self.screenshot(analyst, "copilot-suggestion")
        panel.locator("button:has-text('Send as is')").click()

        expect(customer.locator("#conversation")).to_contain_text("boot it in rescue mode")
        expect(analyst.locator("#conversation .msg--analyst")).to_contain_text("rescue mode")
        expect(panel).to_contain_text("Earlier suggestions (1)")

    def test_insert_to_edit_keeps_the_draft_the_analyst_already_typed(self) -> None:
        services.message_create(
            ticket=self.ticket,
            kind="customer",
            body="I lost my SSH private key and cannot log into my server any more. What now?",
        )
        analyst = self.new_page()
        self.login(analyst, "sam")
        analyst.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        self.wait_live(analyst)
        panel = analyst.locator("#copilot-panel")
        expect(panel.locator(".suggestion")).to_contain_text("rescue mode", timeout=15_000)
        box = analyst.locator("#reply-box textarea[name=body]")
        box.fill("Hi Priya, sorry about the trouble.")
        panel.locator("button:has-text('Insert to edit')").click()
        expect(box).to_have_value(f"Hi Priya, sorry about the trouble.\n\n{ANSWER}")
        expect(panel).to_contain_text("in the reply box")

    def open_with_suggestion(self):
        services.message_create(
            ticket=self.ticket,
            kind="customer",
            body="I lost my SSH private key and cannot log into my server any more. What now?",
        )
        analyst = self.new_page()
        self.login(analyst, "sam")
        analyst.goto(f"{self.live_server_url}/tickets/{self.ticket.pk}/")
        self.wait_live(analyst)
        panel = analyst.locator("#copilot-panel")
        expect(panel.locator(".suggestion").first).to_contain_text("rescue mode", timeout=15_000)
        # htmx wires the swapped-in forms up while it settles; a click before then would post
        # the form natively.
        expect(
            analyst.locator("#copilot-panel.htmx-added, #copilot-panel.htmx-settling")
        ).to_have_count(0)
        return analyst, panel, analyst.locator("#reply-box textarea[name=body]")

    def test_insert_to_edit_fills_an_empty_reply_box(self) -> None:
        _analyst, panel, box = self.open_with_suggestion()
        panel.locator("button:has-text('Insert to edit')").click()
        expect(box).to_have_value(ANSWER)
        expect(box).to_be_focused()

    def test_insert_to_edit_goes_in_at_the_cursor_of_a_typed_draft(self) -> None:
        _analyst, panel, box = self.open_with_suggestion()
        box.fill("Hi Priya,\nThanks, Sam")
        box.evaluate("el => el.setSelectionRange(9, 9)")  # after "Hi Priya,"
        panel.locator("button:has-text('Insert to edit')").click()
        expect(box).to_have_value(f"Hi Priya,\n\n{ANSWER}\n\nThanks, Sam")

    def test_a_refused_insert_leaves_the_reply_box_alone(self) -> None:
        _analyst, panel, box = self.open_with_suggestion()
        box.fill("My own words.")
        Suggestion.objects.filter(ticket=self.ticket).update(state=Suggestion.State.DISMISSED)
        panel.locator("button:has-text('Insert to edit')").click()
        expect(panel).to_contain_text("already dismissed")
        expect(box).to_have_value("My own words.")

    def test_below_the_send_level_editing_comes_first_and_the_panel_says_why(self) -> None:
        TeamCopilotSettings.objects.create(team=self.team, threshold=0.3, auto_threshold=0.99)
        Ticket.objects.filter(pk=self.ticket.pk).update(priority=Ticket.Priority.URGENT)
        self.ticket.refresh_from_db()
        summary.draft_status_update(self.ticket, reason="an analyst asked for a status update")
        analyst, panel, _box = self.open_with_suggestion()
        # The real answer first, the status update (no confidence, send as is) under it.
        expect(panel.locator(".suggestion .chip")).to_have_text(
            ["Knowledge match", "Status update"]
        )
        expect(panel.locator(".suggestion").nth(1)).to_contain_text("It is marked urgent")
        panel = panel.locator(".suggestion").first
        expect(panel.locator(".btn-primary")).to_have_text("Insert to edit")
        expect(panel.locator(".edit-hint")).to_contain_text("99 %")
        expect(panel.locator(".confidence")).to_contain_text("like this were right")
        expect(panel.locator(".suggestion-details .facts")).to_be_hidden()
        self.screenshot(analyst, "copilot-edit-first")
        panel.locator("summary:has-text('Details')").click()
        expect(panel.locator(".suggestion-details .facts")).to_contain_text("Closeness")
        self.screenshot(analyst, "copilot-edit-first-details")
