import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from integrations.models import Mailbox
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def shown(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


FIELDS = {
    "name": "Compute mail",
    "slug": "compute-mail",
    "address": "Compute@Support.example.com",
    "active": "on",
    "imap_port": "993",
    "imap_folder": "INBOX",
}


def test_adding_a_mailbox_shows_its_secret_once(admin_client, team):
    response = admin_client.post(
        reverse("admin:integrations_mailbox_add"), {**FIELDS, "team": team.pk}
    )
    assert response.status_code == 200
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "compute@support.example.com"
    assert len(mailbox.secret) == 64
    assert mailbox.secret in response.text
    assert "no-store" in response["Cache-Control"]
    assert shown(response) == []
    page = admin_client.get(reverse("admin:integrations_mailbox_change", args=[mailbox.pk]))
    assert mailbox.secret not in page.text
    assert "/integrations/mail/compute-mail/inbound/" in page.text


def test_polling_needs_a_host_and_a_user(admin_client, team):
    response = admin_client.post(
        reverse("admin:integrations_mailbox_add"),
        {**FIELDS, "team": team.pk, "imap_enabled": "on"},
    )
    assert response.status_code == 200
    assert "Polling over IMAP needs a host and a username." in response.text
    assert not Mailbox.objects.exists()


def test_the_imap_password_is_never_shown_and_kept_when_left_empty(admin_client, team):
    mailbox = Mailbox.objects.create(
        name="Compute mail",
        slug="compute-mail",
        team=team,
        address="compute@support.example.com",
        secret="s",
        imap_password="hunter2-imap",
    )
    url = reverse("admin:integrations_mailbox_change", args=[mailbox.pk])
    assert "hunter2-imap" not in admin_client.get(url).text
    response = admin_client.post(
        url,
        {
            **FIELDS,
            "team": team.pk,
            "imap_enabled": "on",
            "imap_host": "imap.example.com",
            "imap_username": "support",
            "imap_password": "",
        },
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "hunter2-imap"
    assert mailbox.imap_enabled


def test_rotating_the_secret(admin_client, team):
    mailbox = Mailbox.objects.create(
        name="M", slug="m", team=team, address="m@support.example.com", secret="old"
    )
    response = admin_client.post(
        reverse("admin:integrations_mailbox_changelist"),
        {"action": "rotate_secret", "_selected_action": [mailbox.pk]},
    )
    mailbox.refresh_from_db()
    assert mailbox.secret != "old"
    assert mailbox.secret in response.text


def test_analysts_cannot_reach_mailboxes(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("admin:integrations_mailbox_changelist"))
    assert response.status_code == 302
