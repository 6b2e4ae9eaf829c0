import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.authtoken.models import Token

from integrations import services
from integrations.models import Event, Integration, WebhookDelivery, WebhookEndpoint
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


# The management form of the read-only endpoints inline, which every integration form carries.
INLINE = {"endpoints-TOTAL_FORMS": "0", "endpoints-INITIAL_FORMS": "0"}


def shown(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_creating_an_integration_shows_its_secret_and_token_once(admin_client, team):
    response = admin_client.post(
        reverse("admin:integrations_integration_add"),
        {"name": "Chat bridge", "slug": "chat", "team": team.pk, "active": "on", **INLINE},
    )
    assert response.status_code == 200
    integration = Integration.objects.get()
    token = Token.objects.get(user=integration.service_user)
    assert integration.secret in response.text
    assert token.key in response.text
    assert "no-store" in response["Cache-Control"]
    assert shown(response) == []  # stored nowhere on the way, not even in a message cookie
    page = admin_client.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert page.status_code == 200
    assert integration.secret not in page.text
    assert token.key not in page.text


def test_a_slug_whose_user_name_is_taken_is_a_form_error(admin_client, team):
    UserFactory(username="integration-chat")
    response = admin_client.post(
        reverse("admin:integrations_integration_add"),
        {"name": "Chat bridge", "slug": "chat", "team": team.pk, "active": "on", **INLINE},
    )
    assert response.status_code == 200
    assert "A user called integration-chat already exists." in response.text
    assert not Integration.objects.exists()


def test_editing_an_integration_keeps_its_user_in_step(admin_client, integration, other_team):
    response = admin_client.post(
        reverse("admin:integrations_integration_change", args=[integration.pk]),
        {"name": "Chat bridge", "slug": "chat", "team": other_team.pk, **INLINE},
    )
    assert response.status_code == 302
    user = User.objects.get(pk=integration.service_user_id)
    assert not user.is_active
    assert list(user.teams.all()) == [other_team]


@pytest.mark.parametrize("action", ["rotate_secret", "rotate_token"])
def test_rotate_actions_show_the_new_value(admin_client, credentials, action):
    integration = credentials.integration
    response = admin_client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": action, "_selected_action": [integration.pk]},
    )
    assert response.status_code == 200
    integration.refresh_from_db()
    new = (
        integration.secret
        if action == "rotate_secret"
        else Token.objects.get(user=integration.service_user).key
    )
    assert new not in {credentials.secret, credentials.token}
    assert new in response.text
    assert "no-store" in response["Cache-Control"]


def test_deleting_integrations_deletes_their_users(admin_client, integration):
    response = admin_client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "delete_selected", "_selected_action": [integration.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Integration.objects.exists()
    assert not User.objects.filter(username="integration-chat").exists()


def test_adding_an_endpoint_shows_its_secret(admin_client, integration):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "integration": integration.pk,
            "url": "https://chat.example.com/vigil",
            "events": [Event.TICKET_CREATED, Event.KNOWLEDGE_APPROVED],
            "active": "on",
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["knowledge.approved", "ticket.created"]
    assert endpoint.secret in response.text


def test_rotating_an_endpoint_secret_shows_the_new_one(admin_client, endpoint):
    old = endpoint.secret
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.text


def test_the_integration_page_lists_its_endpoints_without_secrets(admin_client, endpoint):
    page = admin_client.get(
        reverse("admin:integrations_integration_change", args=[endpoint.integration_id])
    )
    assert endpoint.url in page.text
    assert endpoint.secret not in page.text


def test_an_endpoint_needs_an_event_and_a_url(admin_client, integration):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"integration": integration.pk, "url": "not a url", "active": "on"},
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.text
    assert "This field is required." in response.text
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def failed_delivery(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_MAX_ATTEMPTS = 1
    webhook_server.statuses = [500]
    [delivery] = services.deliveries_enqueue(
        event=Event.TICKET_CREATED, data_for=lambda i: {"ticket": {"id": 1}}
    )
    services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    return delivery


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=failed",
        "?event__exact=ticket.created",
        "?endpoint__integration__id__exact={integration}",
    ],
)
def test_the_delivery_log_lists_and_filters(admin_client, failed_delivery, query):
    integration = failed_delivery.endpoint.integration_id
    url = reverse("admin:integrations_webhookdelivery_changelist") + query.format(
        integration=integration
    )
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "1 webhook delivery" in response.text
    assert "Chat bridge" in response.text


def test_the_delivery_log_filters_out_other_statuses(admin_client, failed_delivery):
    url = reverse("admin:integrations_webhookdelivery_changelist") + "?status__exact=delivered"
    assert "0 webhook deliveries" in admin_client.get(url).text


def test_retry_now_sends_again(
    admin_client, failed_delivery, webhook_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:integrations_webhookdelivery_changelist"),
            {"action": "retry_now", "_selected_action": [failed_delivery.pk]},
        )
    assert response.status_code == 302
    assert shown(response) == ["1 deliveries queued to be sent again."]
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == WebhookDelivery.Status.DELIVERED
    assert len(webhook_server.received) == 2


def test_the_delivery_log_is_for_admins_only(client, analyst, failed_delivery):
    client.force_login(analyst)
    response = client.get(reverse("admin:integrations_webhookdelivery_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
