import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PAGE = "/account/api-token/"


def test_the_page_offers_a_token(client, analyst):
    client.force_login(analyst)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "You have no API token." in response.text
    assert "Create a token" in response.text


def test_the_top_bar_links_the_page(client, analyst):
    client.force_login(analyst)
    assert f'href="{PAGE}"' in client.get("/tickets/").text


def test_creating_a_token_shows_it_and_it_works(client, analyst, ticket):
    client.force_login(analyst)
    response = client.post(f"{PAGE}rotate/", follow=True)
    token = Token.objects.get(user=analyst)
    assert token.key in response.text
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


def test_regenerating_replaces_the_old_token(client, analyst, ticket):
    old = Token.objects.create(user=analyst)
    client.force_login(analyst)
    response = client.post(f"{PAGE}rotate/", follow=True)
    assert "the old one no longer works" in response.text
    new = Token.objects.get(user=analyst)
    assert new.key != old.key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 401


def test_revoking_deletes_the_token(client, analyst):
    Token.objects.create(user=analyst)
    client.force_login(analyst)
    response = client.post(f"{PAGE}revoke/", follow=True)
    assert "revoked" in response.text
    assert not Token.objects.filter(user=analyst).exists()


def test_a_user_touches_only_their_own_token(client, analyst, manager):
    theirs = Token.objects.create(user=manager)
    client.force_login(analyst)
    client.post(f"{PAGE}revoke/")
    client.post(f"{PAGE}rotate/")
    assert Token.objects.get(user=manager).key == theirs.key


def test_the_page_needs_a_login_and_a_role(client, nobody):
    assert client.get(PAGE).status_code == 302
    client.force_login(nobody)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}rotate/").status_code == 403
    assert not Token.objects.exists()


def test_the_actions_need_post(client, analyst):
    client.force_login(analyst)
    assert client.get(f"{PAGE}rotate/").status_code == 405
    assert client.get(f"{PAGE}revoke/").status_code == 405


def test_the_command_prints_the_same_token_until_rotated(analyst, capsys):
    call_command("api_token", "sam")
    first = capsys.readouterr().out.strip()
    call_command("api_token", "sam")
    assert capsys.readouterr().out.strip() == first
    call_command("api_token", "sam", "--rotate")
    rotated = capsys.readouterr().out.strip()
    assert rotated != first
    assert Token.objects.get(user=analyst).key == rotated


def test_the_command_refuses_unknown_and_inactive_users(analyst):
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("api_token", "ghost")
    analyst.is_active = False
    analyst.save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("api_token", "sam")
    assert not Token.objects.exists()


def test_the_page_is_never_stored(client, analyst):
    # It shows a bearer credential: no browser or proxy cache may keep a copy.
    Token.objects.create(user=analyst)
    client.force_login(analyst)
    response = client.get(PAGE)
    assert "no-store" in response.headers["Cache-Control"]
