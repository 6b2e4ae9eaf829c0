"""Every page works under the Content-Security-Policy: Chromium reports no violation anywhere."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from knowledge import services as knowledge_services
from knowledge.models import KnowledgeEntry
from replay.models import ReplayRun
from tests.browser.base import PASSWORD, BrowserTestCase
from tests.dashboards.conftest import build, days_ago
from tickets import selectors, services
from tickets.models import Customer, Team

pytestmark = pytest.mark.browser

# Runs before any script of the page: every violation the browser reports is kept for the test.
WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " in " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


class ContentSecurityPolicyTests(BrowserTestCase):
    def setUp(self) -> None:
        compute = Team.objects.create(name="Compute", slug="compute")
        billing = Team.objects.create(name="Billing", slug="billing")
        self.data = build(days_ago(5), compute, billing)
        # build() makes entries without vectors; the curation queue compares real ones.
        call_command("reembed_knowledge", stdout=io.StringIO())
        self.make_user("sam", "analyst", [compute])
        self.make_user("mona", "manager", [])
        self.make_user("cora", "curator", [compute])
        root = self.make_user("root", "admin", [])
        get_user_model().objects.filter(pk=root.pk).update(is_staff=True, is_superuser=True)
        self.entry = knowledge_services.entry_create(
            question="How can I regain SSH access to an instance after losing my key?",
            answer="Boot it in rescue mode and add your new public key to authorized_keys.",
            actor=None,
            status=KnowledgeEntry.Status.APPROVED,
        )
        customer = Customer.objects.create(name="Priya Raman", email="priya@example.com")
        # The copilot answers this at once (tasks run inline in tests): the panel has a suggestion.
        self.ticket = services.ticket_create(
            team=compute,
            customer=customer,
            subject="Locked out",
            body="I lost my SSH private key and cannot log into my server. What can I do?",
        )
        self.run = ReplayRun.objects.create(
            conversations="replays/x/conversations.jsonl",
            status=ReplayRun.Status.RUNNING,
            conversations_done=3,
            conversations_total=10,
        )

    def watched_page(self) -> Page:
        page = self.new_page()
        page.add_init_script(WATCH)
        self.refused: list[str] = []
        page.on(
            "console",
            lambda message: (
                self.refused.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    def visit(self, page: Page, path: str, ready: str = "main") -> None:
        response = page.goto(self.live_server_url + path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        expect(page.locator(ready).first).to_be_visible()
        self.assert_no_violation(page, path)

    def assert_no_violation(self, page: Page, where: str) -> None:
        # Let fragments that load after the page (htmx, websocket catch-up) arrive and run.
        page.wait_for_timeout(400)
        assert page.evaluate("window.cspViolations") == [], where
        assert self.refused == [], where

    def assert_copy_field_selects(self, page: Page) -> None:
        page.click(".copy-field")
        selected = "document.activeElement.selectionEnd - document.activeElement.selectionStart"
        assert page.evaluate(selected) == len(page.input_value(".copy-field")) > 0

    def test_the_watch_sees_an_inline_handler_being_refused(self) -> None:
        page = self.watched_page()
        self.visit(page, "/login/")
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<img src=\"data:,\" onerror=\"1\">')"
        )
        page.wait_for_timeout(300)
        assert any("script-src" in v for v in page.evaluate("window.cspViolations"))

    def test_the_customers_pages_pass(self) -> None:
        page = self.watched_page()
        self.visit(page, "/support/", ready="form")
        token = selectors.portal_token_for(self.ticket)
        self.visit(page, f"/support/t/{token}/?new=1", ready="#conversation")
        self.wait_live(page)
        self.assert_copy_field_selects(page)
        self.assert_no_violation(page, "portal live")
        # A resolved ticket's page offers the rating, drawn without inline styles.
        resolved = services.ticket_create(
            team=self.ticket.team, customer=self.ticket.customer, subject="Done", body="Thanks"
        )
        sam = get_user_model().objects.get(username="sam")
        services.ticket_change_status(ticket=resolved, actor=sam, status="resolved")
        token = selectors.portal_token_for(resolved)
        self.visit(page, f"/support/t/{token}/", ready="#rating-box .rating-form")

    def test_an_analysts_pages_pass(self) -> None:
        page = self.watched_page()
        self.visit(page, "/login/", ready=".login-card")
        self.login(page, "sam")
        self.assert_no_violation(page, "queue")
        self.visit(page, f"/tickets/{self.ticket.pk}/", ready="#conversation")
        self.wait_live(page)
        expect(page.locator("#copilot-panel .suggestion")).to_contain_text("rescue mode")
        page.click("text=Customer's private link")
        self.assert_copy_field_selects(page)
        self.assert_no_violation(page, "ticket live")
        again = services.ticket_create(
            team=self.ticket.team, customer=self.ticket.customer, subject="Again", body="Still"
        )
        self.visit(
            page, f"/tickets/customers/{self.ticket.customer_id}/", ready=".customer-tickets"
        )
        self.visit(
            page, f"/tickets/{again.pk}/merge/?into={self.ticket.pk}", ready=".merge-card form"
        )
        self.visit(page, "/knowledge/", ready="#q")
        self.visit(page, f"/knowledge/{self.entry.pk}/")
        self.visit(page, "/account/api-token/")
        self.visit(page, "/api/docs/", ready="#operations-tickets-tickets_list")
        self.screenshot(page, "csp-api-docs")

    def test_a_managers_and_a_curators_pages_pass(self) -> None:
        page = self.watched_page()
        self.login(page, "mona")
        self.visit(page, "/dashboards/support/", ready="#chart-volume svg")
        self.visit(page, "/dashboards/copilot/", ready=".precision-row")
        self.screenshot(page, "csp-dashboard-copilot")
        self.visit(page, "/dashboards/knowledge/", ready=".dash-panel")
        self.visit(page, "/dashboards/audit/runs/", ready="table")
        self.visit(page, "/dashboards/audit/curation/", ready="table")
        self.visit(page, "/copilot/replays/", ready="main")
        self.visit(page, "/copilot/replays/new/", ready="form")
        self.visit(page, f"/copilot/replays/{self.run.pk}/", ready="#replay-run")
        self.screenshot(page, "csp-replay-running")

        curator = self.watched_page()
        self.login(curator, "cora")
        self.visit(curator, "/knowledge/curation/", ready=".cur-row")
        self.visit(curator, "/knowledge/new/", ready="form")

    def test_the_django_admin_passes(self) -> None:
        page = self.watched_page()
        self.login(page, "root")
        self.visit(page, "/admin/", ready="#content")
        self.visit(page, "/admin/tickets/ticket/", ready="#result_list")
        self.visit(page, f"/admin/tickets/ticket/{self.ticket.pk}/change/", ready="form")
        self.visit(page, "/admin/auth/user/add/", ready="form")
        self.visit(page, "/admin/axes/accessattempt/", ready="#content")

    def test_a_locked_out_user_sees_why_on_the_login_page(self) -> None:
        page = self.watched_page()
        self.visit(page, "/login/", ready=".login-card")
        for attempt in range(5):
            page.fill("input[name=username]", "sam")
            page.fill("input[name=password]", f"wrong-{attempt}")
            page.click("button[type=submit]")
            page.wait_for_load_state()
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".lockout")).to_contain_text("Too many failed log-ins")
        expect(page.locator(".lockout")).to_contain_text("15 minutes")
        expect(page.locator("input[name=username]")).to_have_value("sam")
        assert "/login/" in page.url
        self.screenshot(page, "login-locked-out")
        self.assert_no_violation(page, "locked out")
