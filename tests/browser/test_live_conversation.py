import pytest
from playwright.sync_api import Page, expect

from tests.browser.base import BrowserTestCase
from tickets import selectors, services
from tickets.models import Customer, Team, Ticket

pytestmark = pytest.mark.browser


class LiveConversationTests(BrowserTestCase):
    def setUp(self) -> None:
        self.team = Team.objects.create(name="Compute", slug="compute")
        self.other_team = Team.objects.create(name="Billing", slug="billing")
        self.analyst = self.make_user("sam", "analyst", [self.team])
        self.outsider = self.make_user("olga", "analyst", [self.other_team])
        customer = Customer.objects.create(name="Priya Raman", email="priya@example.com")
        self.ticket = services.ticket_create(
            team=self.team,
            customer=customer,
            subject="VM will not boot",
            body="Kernel panic after the update.",
        )
        token = selectors.portal_token_for(self.ticket)
        self.portal_url = f"{self.live_server_url}/support/t/{token}/"
        self.ticket_url = f"{self.live_server_url}/tickets/{self.ticket.pk}/"

    def ticket_page(self, *, live: bool = True) -> Page:
        """A new page of Sam's on the ticket; ``live``: once its socket is connected."""
        page = self.new_page()
        self.login(page, "sam")
        page.goto(self.ticket_url)
        if live:
            self.wait_live(page)
        return page

    def test_an_analyst_reply_appears_live_on_the_customers_page(self) -> None:
        customer = self.new_page()
        customer.goto(self.portal_url)
        self.wait_live(customer)

        analyst = self.ticket_page()
        analyst.fill("#reply-box textarea[name=body]", "Boot the previous kernel from the console.")
        analyst.click("#reply-box button.btn-primary")

        expect(customer.locator("#conversation")).to_contain_text("Boot the previous kernel")
        # The analyst's own page shows it once, even though the socket delivered it too.
        expect(analyst.locator("#conversation .msg--analyst")).to_have_count(1)
        expect(analyst.locator("#reply-box textarea")).to_have_value("")
        self.screenshot(customer, "portal-live-reply")

    def test_a_customer_message_appears_live_on_the_analysts_page(self) -> None:
        analyst = self.ticket_page()
        second_tab = self.ticket_page()

        customer = self.new_page()
        customer.goto(self.portal_url)
        customer.fill("#reply-box textarea[name=body]", "Here is the console screenshot.")
        customer.click("#reply-box button[type=submit]")
        expect(customer.locator("#conversation .msg--customer")).to_have_count(2)

        for page in (analyst, second_tab):
            expect(page.locator("#conversation")).to_contain_text("console screenshot")
        self.screenshot(analyst, "ticket-live-customer-message")

    def test_a_page_that_missed_a_message_fetches_it_on_the_next_one(self) -> None:
        analyst = self.ticket_page()
        analyst.wait_for_load_state("networkidle")  # the catch-up on connecting is done
        # Saved in this process, its event goes to this process's channel layer, never to the
        # server's: to the page it is a message lost on the way.
        services.message_create(ticket=self.ticket, kind="customer", body="Lost on the way.")
        analyst.wait_for_timeout(500)
        expect(analyst.locator("#conversation")).not_to_contain_text("Lost on the way.")

        customer = self.new_page()
        customer.goto(self.portal_url)
        customer.fill("#reply-box textarea[name=body]", "Any news?")
        customer.click("#reply-box button[type=submit]")

        # Number 3 arrives while the page holds up to 1: it fetches 2, and shows it before 3.
        messages = analyst.locator("#conversation > li")
        expect(messages).to_have_count(3)
        expect(messages.nth(1)).to_contain_text("Lost on the way.")
        expect(messages.nth(2)).to_contain_text("Any news?")

    def test_internal_notes_and_status_changes_reach_the_right_pages(self) -> None:
        customer = self.new_page()
        customer.goto(self.portal_url)
        self.wait_live(customer)
        analyst = self.ticket_page()

        analyst.fill("#reply-box textarea[name=body]", "Host had a NIC flap at 09:12")
        analyst.check("input[name=internal]")
        analyst.click("#reply-box button.btn-primary")
        expect(analyst.locator("#conversation .msg--internal")).to_contain_text("NIC flap")

        analyst.click("#ticket-sidebar button:has-text('Resolve')")
        expect(analyst.locator("#ticket-header .badge")).to_have_text("Resolved")
        expect(customer.locator("#portal-status")).to_contain_text("Resolved")
        expect(customer.locator("#conversation")).not_to_contain_text("NIC flap")

    def test_a_choice_not_confirmed_yet_survives_a_change_made_elsewhere(self) -> None:
        analyst = self.ticket_page()
        elsewhere = self.ticket_page(live=False)

        def tag_elsewhere(tags: str) -> None:
            elsewhere.fill("#prop-tags", tags)
            elsewhere.click("#ticket-sidebar button:has-text('Save tags')")
            expect(elsewhere.locator("#prop-tags")).to_have_value(tags)

        sidebar = analyst.locator("#ticket-sidebar")
        analyst.select_option("#prop-priority", str(Ticket.Priority.URGENT))
        tag_elsewhere("kernel")

        expect(sidebar.locator(".behind-note")).to_be_visible()
        expect(analyst.locator("#prop-priority")).to_have_value(str(Ticket.Priority.URGENT))
        expect(analyst.locator("#prop-tags")).to_have_value("")
        self.screenshot(analyst, "ticket-sidebar-choice-kept")
        sidebar.locator("button:has-text('Set priority')").click()
        expect(analyst.locator("#ticket-header")).to_contain_text("Urgent")
        expect(analyst.locator("#prop-tags")).to_have_value("kernel")
        expect(sidebar.locator(".behind-note")).to_be_hidden()

        # Put back instead of confirmed: the change made elsewhere shows at once.
        analyst.select_option("#prop-priority", str(Ticket.Priority.LOW))
        tag_elsewhere("kernel, boot")
        expect(sidebar.locator(".behind-note")).to_be_visible()
        analyst.select_option("#prop-priority", str(Ticket.Priority.URGENT))
        expect(analyst.locator("#prop-tags")).to_have_value("kernel, boot")
        expect(sidebar.locator(".behind-note")).to_be_hidden()

    def test_a_refresh_already_on_its_way_does_not_undo_a_choice(self) -> None:
        page = self.ticket_page()
        elsewhere = self.ticket_page(live=False)
        # The page's requests are answered as the server answers them at once, but handed
        # to the page only when the test says: a refresh read before a save, arriving after.
        held: list = []

        def hold(route) -> None:
            held.append((route, route.fetch()))

        def wait_held(count: int) -> None:
            for _ in range(100):
                if len(held) >= count:
                    return
                page.wait_for_timeout(50)
            raise AssertionError(f"{count} requests expected, {len(held)} held")

        def release(index: int) -> None:
            route, response = held[index]
            route.fulfill(response=response)

        page.route(f"**/tickets/{self.ticket.pk}/sidebar/", hold)
        page.route(f"**/tickets/{self.ticket.pk}/tags/", hold)
        sidebar = page.locator("#ticket-sidebar")

        # Typed in while a refresh travelled: the refresh is not put in over it.
        elsewhere.select_option("#prop-priority", str(Ticket.Priority.URGENT))
        elsewhere.click("#ticket-sidebar button:has-text('Set priority')")
        wait_held(1)
        page.fill("#prop-tags", "kernel")
        release(0)
        expect(sidebar.locator(".behind-note")).to_be_visible()
        expect(page.locator("#prop-tags")).to_have_value("kernel")
        page.fill("#prop-tags", "")  # put back: the page catches up
        wait_held(2)
        release(1)
        expect(page.locator("#prop-priority")).to_have_value(str(Ticket.Priority.URGENT))
        expect(sidebar.locator(".behind-note")).to_be_hidden()

        # Saved, and the old refresh's answer arrives before the save's: the saved value stays.
        elsewhere.select_option("#prop-priority", str(Ticket.Priority.LOW))
        elsewhere.click("#ticket-sidebar button:has-text('Set priority')")
        wait_held(3)
        page.fill("#prop-tags", "kernel, boot")
        page.click("#ticket-sidebar button:has-text('Save tags')")
        wait_held(4)
        release(2)
        release(3)
        expect(page.locator("#prop-tags")).to_have_value("kernel, boot")
        expect(page.locator("#prop-priority")).to_have_value(str(Ticket.Priority.LOW))
        expect(sidebar.locator(".behind-note")).to_be_hidden()
        self.ticket.refresh_from_db()
        assert self.ticket.tags == ["kernel", "boot"]

    def test_another_teams_analyst_gets_no_page_and_no_socket(self) -> None:
        page = self.new_page()
        self.login(page, "olga")
        response = page.goto(self.ticket_url)
        assert response is not None
        assert response.status == 404
        expect(page.locator("#conversation")).to_have_count(0)

    def socket_outcome(self, page, path: str) -> int | str:
        """How a real websocket to ``path`` ends, as a page's script sees it: its close code,
        or "open" if it is still open after two seconds."""
        url = self.live_server_url.replace("http", "ws", 1) + path
        return page.evaluate(
            """url => new Promise(resolve => {
                const socket = new WebSocket(url);
                socket.onclose = event => resolve(event.code);
                setTimeout(() => {
                    resolve(socket.readyState === WebSocket.OPEN ? "open" : "pending");
                    socket.close();
                }, 2000);
            })""",
            url,
        )

    def test_a_refused_socket_says_why_with_its_close_code(self) -> None:
        ticket_socket = f"/ws/tickets/{self.ticket.pk}/"
        stranger = self.new_page()
        stranger.goto(f"{self.live_server_url}/login/")
        assert self.socket_outcome(stranger, ticket_socket) == 4401
        forged = selectors.portal_token_for(self.ticket)[:-2] + "xx"
        assert self.socket_outcome(stranger, f"/ws/support/{forged}/") == 4403
        outsider = self.new_page()
        self.login(outsider, "olga")
        assert self.socket_outcome(outsider, ticket_socket) == 4403
        analyst = self.new_page()
        self.login(analyst, "sam")
        assert self.socket_outcome(analyst, ticket_socket) == "open"
