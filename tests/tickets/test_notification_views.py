"""The notifications page, the bell's menu, marking read and the digest setting."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tickets import services
from tickets.models import Notification, NotificationSettings

HX = {"HX-Request": "true"}
PAGE = reverse("tickets:notifications")
MENU = reverse("tickets:notification_menu")
READ_ALL = reverse("tickets:notifications_read_all")
SETTINGS = reverse("tickets:notification_settings")


def read_url(notification):
    return reverse("tickets:notification_read", args=[notification.pk])


@pytest.fixture
def colleague(team):
    return UserFactory(
        username="lena", first_name="Lena", last_name="Berg", roles=["analyst"], teams=[team]
    )


@pytest.fixture
def told(make_ticket, analyst, colleague):
    first, second = make_ticket(subject="Disk full"), make_ticket(subject="Cannot log in")
    for ticket in (first, second):
        services.ticket_assign(ticket=ticket, actor=colleague, assignee=analyst)
    return list(Notification.objects.filter(user=analyst).order_by("pk"))


def test_the_bell_shows_the_unread_count(client, analyst, told):
    client.force_login(analyst)
    text = client.get(reverse("tickets:queue")).text
    assert 'aria-label="Notifications, 2 unread"' in text
    assert '<span class="bell-count" id="bell-count">2</span>' in text
    assert 'data-notifications-socket="/ws/notifications/"' in text


def test_it_lists_mine_newest_first_with_links(client, analyst, told):
    client.force_login(analyst)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.text
    assert text.index("Cannot log in") < text.index("Disk full")
    assert f'href="/tickets/{told[0].ticket_id}/"' in text
    assert f"Lena Berg assigned #{told[0].ticket_id} to you" in text


def test_the_menu_is_a_fragment_of_the_latest(client, analyst, told):
    client.force_login(analyst)
    text = client.get(MENU, headers=HX).text
    assert "<html" not in text
    assert f'id="menu-notification-{told[1].pk}"' in text
    assert "Mark all read" in text


def test_mark_one_read_with_htmx_and_without(client, analyst, told):
    client.force_login(analyst)
    response = client.post(read_url(told[0]), {"in": "menu"}, headers=HX)
    assert response.status_code == 200
    assert f'id="menu-notification-{told[0].pk}"' in response.text
    assert "is-unread" not in response.text
    response = client.post(read_url(told[1]))
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_mark_all_read(client, analyst, told):
    client.force_login(analyst)
    response = client.post(READ_ALL, follow=True)
    assert "Marked 2 notifications read." in response.text
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_opening_the_ticket_marks_its_notifications_read(client, analyst, told):
    client.force_login(analyst)
    text = client.get(reverse("tickets:detail", args=[told[0].ticket_id])).text
    assert 'aria-label="Notifications, 1 unread"' in text
    assert Notification.objects.get(pk=told[0].pk).read_at is not None
    assert Notification.objects.get(pk=told[1].pk).read_at is None


def test_someone_elses_notification_is_not_found(client, colleague, told):
    client.force_login(colleague)
    assert client.post(read_url(told[0])).status_code == 404
    assert "Disk full" not in client.get(PAGE).text
    assert Notification.objects.get(pk=told[0].pk).read_at is None


def test_a_ticket_moved_out_of_my_teams_is_not_shown(client, analyst, told, other_team, manager):
    services.ticket_move(ticket=told[0].ticket, actor=manager, team=other_team)
    client.force_login(analyst)
    text = client.get(PAGE).text
    assert "Disk full" not in text
    assert "Cannot log in" in text
    assert client.post(read_url(told[0])).status_code == 404


def test_the_digest_setting(client, analyst):
    analyst.email = "sam@example.com"
    analyst.save()
    client.force_login(analyst)
    response = client.post(SETTINGS, {"email_digest": "on"}, follow=True)
    assert "emailed to sam@example.com once an hour" in response.text
    assert NotificationSettings.objects.get(user=analyst).email_digest
    client.post(SETTINGS, {})
    assert not NotificationSettings.objects.get(user=analyst).email_digest


def test_the_digest_needs_an_email_address(client, analyst):
    analyst.email = ""
    analyst.save()
    client.force_login(analyst)
    response = client.post(SETTINGS, {"email_digest": "on"})
    assert response.status_code == 400
    assert "no email address to send a digest to" in response.text
    assert not NotificationSettings.objects.filter(user=analyst).exists()


def test_refusals_and_wrong_methods(client, nobody, analyst, told):
    assert client.get(PAGE).status_code == 302  # to the login page
    client.force_login(nobody)
    assert client.get(PAGE).status_code == 403
    assert client.get(MENU).status_code == 403
    client.force_login(analyst)
    assert client.get(read_url(told[0])).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    assert client.post(MENU).status_code == 405
