import os

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from tests.browser.base import BrowserTestCase
from tickets import services
from tickets.models import Customer, Team

# Playwright's sync API runs an event loop in the test thread; the ORM calls between browser
# steps are ordinary blocking calls, which is what this flag allows.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


class ApiDocsTests(BrowserTestCase):
    def setUp(self) -> None:
        team = Team.objects.create(name="Compute", slug="compute")
        self.make_user("sam", "analyst", [team])
        customer = Customer.objects.create(name="Priya", email="priya@example.com")
        services.ticket_create(
            team=team, customer=customer, subject="VM will not boot", body="Stuck."
        )

    def test_an_analyst_gets_a_token_and_tries_the_api_in_the_docs(self) -> None:
        page = self.new_page()
        outside: list[str] = []
        page.on(
            "request",
            lambda request: (
                outside.append(request.url)
                if not request.url.startswith(self.live_server_url)
                else None
            ),
        )
        self.login(page, "sam")
        page.click("text=API token")
        page.click("text=Create a token")
        key = Token.objects.get(user__username="sam").key
        expect(page.locator("#api-token")).to_have_value(key)

        page.click("text=/api/docs/")
        operation = page.locator("#operations-tickets-tickets_list")
        expect(operation).to_be_visible()
        operation.locator(".opblock-summary").click()
        operation.locator("text=Try it out").click()
        operation.locator("text=Execute").click()
        # The console login carries over: the request is made with its cookie and CSRF token.
        expect(
            operation.locator(".live-responses-table .response-col_status:not(.col_header)")
        ).to_contain_text("200")
        expect(operation.locator(".live-responses-table")).to_contain_text("VM will not boot")
        self.screenshot(page, "api-docs")
        assert outside == []
