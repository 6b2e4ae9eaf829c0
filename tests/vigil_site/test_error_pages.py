"""Error pages look like the console and say what happened, in words a person reads."""

from django.test import Client
from django.urls import reverse


def test_a_missing_ticket_says_which_and_offers_a_way_on(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("tickets:detail", args=[987654]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no ticket #987654 in your teams" in page
    assert 'class="topbar"' in page  # the console's own page, not a bare one
    assert reverse("tickets:queue") in page


def test_an_unknown_address_says_so(client, analyst):
    client.force_login(analyst)
    page = client.get("/no/such/page/").content.decode()
    assert "There is nothing at /no/such/page/." in page


def test_a_refusal_gives_its_reason(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("replay:replays"))
    assert response.status_code == 403
    assert "Only managers and admins can replay conversations." in response.content.decode()


def test_a_server_error_is_a_page_of_the_console(analyst, settings):
    def broken(request):
        raise RuntimeError("boom")

    from django.urls import path

    settings.ROOT_URLCONF = type("Urls", (), {"urlpatterns": [path("broken/", broken)]})
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "boom" not in page
