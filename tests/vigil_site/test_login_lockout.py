"""Repeated wrong passwords lock a username + address for a while; nothing else is affected."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

LOGIN = reverse("login")
HOME = "/tickets/"
ADDRESS = "203.0.113.8"
RIGHT = "right-password"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def sam(team):
    return UserFactory(username="sam", password="right-password", roles=["analyst"], teams=[team])


def log_in(client, username="sam", password=RIGHT, address=ADDRESS):
    data = {"username": username, "password": password}
    return client.post(LOGIN, data, REMOTE_ADDR=address)


def fail(client, times, **kwargs):
    return [log_in(client, password=f"guess-{n}", **kwargs) for n in range(times)]


def test_it_lets_a_few_wrong_passwords_through(client, sam):
    answers = fail(client, 4)
    assert [a.status_code for a in answers] == [200] * 4
    assert "Please enter a correct username and password" in answers[-1].text
    assert log_in(client).url == HOME


def test_it_refuses_the_right_password_after_the_limit(client, sam):
    answers = fail(client, 5)
    assert answers[-1].status_code == 429
    response = log_in(client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many failed log-ins" in response.text
    assert "15 minutes" in response.text
    assert "ask an admin" in response.text
    # The console's own login page, with the username kept: not a bare text answer.
    assert 'name="username"' in response.text
    assert 'value="sam"' in response.text
    assert client.get(HOME).status_code == 302


def test_it_says_how_long_the_lock_lasts(client, sam, settings):
    import datetime as dt

    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    fail(client, 5)
    assert "30 minutes" in log_in(client).text


def test_another_user_from_the_same_address_is_not_locked(client, sam, team):
    UserFactory(username="olga", password="her-password", roles=["analyst"], teams=[team])
    fail(client, 5)
    assert log_in(client, "olga", "her-password").url == HOME


def test_the_same_user_from_another_address_is_not_locked(client, sam):
    fail(client, 5)
    assert log_in(client, address="198.51.100.4").url == HOME


def test_a_forged_forwarded_for_does_not_escape_the_lock(client, sam):
    fail(client, 5)
    data = {"username": "sam", "password": "right-password"}
    response = client.post(LOGIN, data, REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_locked(client, sam, settings):
    settings.VIGIL_TRUSTED_PROXIES = ["10.0.0.5"]

    def via_proxy(password, client_address):
        data = {"username": "sam", "password": password}
        headers = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": client_address}
        return client.post(LOGIN, data, **headers)

    for n in range(5):
        via_proxy(f"guess-{n}", ADDRESS)
    assert via_proxy("right-password", ADDRESS).status_code == 429
    assert via_proxy("right-password", "198.51.100.4").url == HOME


def test_a_successful_login_starts_the_count_again(client, sam):
    fail(client, 4)
    assert log_in(client).url == HOME
    client.logout()
    fail(client, 4)
    assert log_in(client).url == HOME


def test_an_admin_unlocks_in_the_django_admin(client, sam):
    from axes.models import AccessAttempt

    fail(client, 5)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = type(client)()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "sam" in listing.text
    attempt = AccessAttempt.objects.get(username="sam")
    staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert log_in(client).url == HOME


def test_an_admin_unlocks_from_the_command_line(client, sam):
    fail(client, 5)
    call_command("axes_reset_username", "sam")
    assert log_in(client).url == HOME


def test_failures_are_listed_in_the_admin(client, sam):
    fail(client, 2)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    failures = client.get("/admin/axes/accessfailurelog/")
    assert failures.status_code == 200
    assert "sam" in failures.text
    assert ADDRESS in failures.text


def test_an_api_token_still_works_for_a_locked_user(client, sam, ticket):
    fail(client, 5)
    token = Token.objects.create(user=sam)
    api = APIClient(REMOTE_ADDR=ADDRESS)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


def test_the_portal_still_works_from_a_locked_address(client, sam, ticket):
    from tickets import selectors

    fail(client, 5)
    link = reverse("portal:ticket", args=[selectors.portal_token_for(ticket)])
    assert client.get(link, REMOTE_ADDR=ADDRESS).status_code == 200
