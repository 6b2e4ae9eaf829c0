import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asgiref.sync import SyncToAsync
from channels.layers import channel_layers
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth.models import Group
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from tests.async_executor import close_executor_connections

CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("VIGIL_SCREENSHOTS", "test-results"))
PASSWORD = "correct-horse-battery"


class BrowserTestCase(ChannelsLiveServerTestCase):
    """A live daphne server (HTTP + websockets) and a real headless Chromium."""

    @classmethod
    def setUpClass(cls) -> None:
        # The server process is forked from this one. It must not inherit a channel layer bound
        # to an earlier test's event loop, nor asgiref's executor whose thread does not survive
        # the fork (its sync_to_async calls would wait forever).
        channel_layers.backends.clear()
        # The executor given up keeps, on its thread, what earlier tests left open.
        close_executor_connections()
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        # Nor the database connection pool: parent and child would read each other's results
        # on the same sockets. Each side opens its own pool after the fork.
        for connection in connections.all():
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        super().setUpClass()
        cls._playwright = sync_playwright().start()
        cls.browser = cls._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls._playwright.stop()
        super().tearDownClass()

    def new_page(self) -> Page:
        context = self.browser.new_context(viewport={"width": 1280, "height": 860})
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def make_user(self, username: str, role: str, teams: list) -> object:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, first_name=username.title()
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        for team in teams:
            team.members.add(user)
        return user

    def login(self, page: Page, username: str) -> None:
        page.goto(f"{self.live_server_url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/tickets/")

    def wait_live(self, page: Page) -> None:
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    def screenshot(self, page: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
