import random

import pytest
from playwright.sync_api import expect

from copilot.models import CopilotRun
from tests.browser.base import BrowserTestCase
from tests.dashboards.conftest import H, build, days_ago, make_run, make_ticket, suggest
from tickets.models import Team

pytestmark = pytest.mark.browser


class DashboardTests(BrowserTestCase):
    def setUp(self) -> None:
        self.compute = Team.objects.create(name="Compute", slug="compute")
        self.billing = Team.objects.create(name="Billing", slug="billing")
        build(days_ago(5), self.compute, self.billing)
        # A month of ordinary work, so that every chart has a shape.
        rng = random.Random(7)  # noqa: S311  (test data, not secrets)
        for day in range(29, -1, -1):
            at = days_ago(day) + 9 * H
            for n in range(rng.randint(1, 4)):
                team = self.compute if n % 2 else self.billing
                resolved = rng.choice([None, 6, 30]) if day > 1 else None
                ticket = make_ticket(
                    team,
                    at + n * H,
                    responded=rng.choice([1, 2, 5, 30]),
                    resolved=resolved,
                    status="resolved" if resolved else "open",
                )
                speak = rng.random() < 0.5
                run = make_run(
                    ticket,
                    at + n * H,
                    CopilotRun.Decision.SPEAK if speak else CopilotRun.Decision.SILENT,
                    reason=""
                    if speak
                    else rng.choice(
                        ["no knowledge above threshold (0.4 < 0.6)", "thanks or acknowledgement"]
                    ),
                    latency=rng.uniform(80, 900),
                    llm_calls=2,
                    tokens=rng.randint(500, 1500),
                    model="openai/gpt-4o-mini",
                )
                if speak:
                    suggest(
                        run, at + n * H, rng.choice(["sent", "edited", "dismissed"]), reason="wrong"
                    )
        self.make_user("mona", "manager", [])
        self.make_user("sam", "analyst", [self.compute])

    def test_a_manager_reads_the_dashboards_and_filters_by_team(self) -> None:
        page = self.new_page()
        self.login(page, "mona")
        page.click("nav.topnav >> text=Dashboards")
        page.wait_for_url("**/dashboards/support/")
        for chart in ("#chart-volume", "#chart-backlog", "#chart-sla", "#chart-times"):
            svg = page.locator(f"{chart} svg.chart")
            expect(svg).to_be_visible()
            assert svg.bounding_box()["height"] > 60
        expect(page.locator("#chart-volume .chart-series polyline")).to_have_count(2)
        expect(page.locator("#panel-waiting table tbody tr").first).to_be_visible()
        self.screenshot(page, "dashboard-support")

        page.click("nav.dash-tabs >> text=Copilot")
        expect(page.locator("#chart-decisions .chart-columns rect").first).to_be_visible()
        expect(page.locator(".precision-row")).to_have_count(2)
        self.screenshot(page, "dashboard-copilot")

        # Choosing a team swaps the panels and keeps the filter in the address.
        page.select_option("select[name=team]", "billing")
        page.wait_for_url("**team=billing**")
        expect(page.locator(".precision-row")).to_have_count(1)
        expect(page.locator(".precision-row")).to_contain_text("Billing")

        # The tabs keep the filters chosen.
        page.click("nav.dash-tabs >> text=Knowledge")
        page.wait_for_url("**/dashboards/knowledge/?team=billing**")
        expect(page.locator("#chart-growth svg.chart")).to_be_visible()
        page.select_option("select[name=team]", "")
        page.wait_for_url(lambda url: "team=billing" not in url)
        self.screenshot(page, "dashboard-knowledge")

        page.click("nav.dash-tabs >> text=Audit")
        expect(page.locator(".audit-table tbody tr").first).to_be_visible()
        self.screenshot(page, "dashboard-audit")

    def test_an_analyst_sees_only_their_team_and_no_audit(self) -> None:
        page = self.new_page()
        self.login(page, "sam")
        page.click("nav.topnav >> text=Dashboards")
        page.click("nav.dash-tabs >> text=Copilot")
        expect(page.locator(".precision-row")).to_have_count(1)
        expect(page.locator(".precision-row")).to_contain_text("Compute")
        expect(page.locator("nav.dash-tabs >> text=Audit")).to_have_count(0)
        expect(page.locator("select[name=team] option")).to_have_count(2)
