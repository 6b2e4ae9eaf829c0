import json
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from playwright.sync_api import expect

from copilot.models import TeamCopilotSettings
from replay.models import ReplayRun
from tests.browser.base import BrowserTestCase
from tickets.models import Team

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MEDIA = tempfile.mkdtemp(prefix="vigil-replay-media-")


@override_settings(MEDIA_ROOT=MEDIA)
class ReplayReportTests(BrowserTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        TeamCopilotSettings.objects.create(team=self.team, threshold=0.6)
        self.manager = self.make_user("mona", "manager", [])
        self.run = ReplayRun(
            created_by=self.manager,
            team=self.team,
            status=ReplayRun.Status.WARNINGS,
            report=json.loads((FIXTURES / "replay_report.json").read_text()),
        )
        content = ContentFile((FIXTURES / "replay_small.jsonl").read_bytes())
        self.run.conversations.save("support-march.jsonl", content, False)
        self.run.save()

    def test_a_manager_reads_a_finished_replay_with_its_charts(self) -> None:
        page = self.new_page()
        self.login(page, "mona")
        page.click("nav.topnav >> text=Replay")
        page.click("text=support-march.jsonl")
        for chart in ("#chart-curve", "#chart-silence", "#chart-learning"):
            svg = page.locator(f"{chart} svg.chart")
            expect(svg).to_be_visible()
            assert svg.bounding_box()["height"] > 100
        curve = page.locator("#chart-curve svg")
        # One point per threshold tried, the target rule and the recommended threshold.
        expect(curve.locator(".chart-series circle")).to_have_count(31)
        expect(curve.locator(".chart-rule")).to_contain_text("target 80%")
        expect(curve.locator(".chart-highlight")).to_contain_text("threshold 0.70")
        expect(page.locator("#chart-silence .chart-bar")).to_have_count(4)
        expect(page.locator(".example")).to_have_count(2)
        self.screenshot(page, "replay-report")
        page.click("text=Apply threshold 0.70 to Compute")
        expect(page.locator(".flash")).to_contain_text("Compute's threshold is now 0.70.")
        assert TeamCopilotSettings.objects.get(team=self.team).threshold == 0.7
