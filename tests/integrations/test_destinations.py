"""Webhooks never reach Vigil's own network: loopback, link-local (cloud metadata), private
and other non-public addresses are refused when an endpoint is saved and at each send, on the
address the name resolves to then."""

import re
import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import destinations, services
from integrations.models import Event, WebhookDelivery

Status = WebhookDelivery.Status


@pytest.fixture
def no_exceptions(settings):
    settings.VIGIL_WEBHOOK_ALLOWED_NETWORKS = []


def resolving_to(monkeypatch, address):
    """The DNS answer for every name, as a resolver controlled by someone else could give."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def fake(host, port, *args, **kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(destinations.socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.20", "private"),
        ("fd00::5", "private"),
        ("100.64.0.1", "private"),  # shared address space (carrier NAT)
        ("0.0.0.0", "unspecified"),  # noqa: S104  (an address under test, not a bind)
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4 inside IPv6
    ],
)
def test_each_kind_of_internal_address_is_refused(no_exceptions, monkeypatch, address, kind):
    resolving_to(monkeypatch, address)
    with pytest.raises(destinations.RefusedDestination, match=re.escape(kind)):
        destinations.resolve("https://hooks.example.com/vigil")


def test_a_public_address_is_sent_to_by_address_with_the_name_kept(no_exceptions, monkeypatch):
    resolving_to(monkeypatch, "93.184.216.34")
    found = destinations.resolve("https://hooks.example.com:8443/vigil?x=1")
    assert str(found.url) == "https://93.184.216.34:8443/vigil?x=1"
    assert found.host == "hooks.example.com"


def test_literal_addresses_and_other_schemes_are_refused(no_exceptions):
    with pytest.raises(destinations.RefusedDestination, match="loopback"):
        destinations.resolve("http://127.0.0.1:8000/admin/")
    with pytest.raises(destinations.RefusedDestination, match="http:// or https://"):
        destinations.resolve("file:///etc/passwd")


def test_an_allowed_network_lets_its_receivers_in(settings, monkeypatch):
    settings.VIGIL_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    resolving_to(monkeypatch, "10.20.3.4")
    assert destinations.resolve("https://hooks.internal/vigil").host == "hooks.internal"
    resolving_to(monkeypatch, "10.21.0.1")
    with pytest.raises(destinations.RefusedDestination, match="VIGIL_WEBHOOK_ALLOWED_NETWORKS"):
        destinations.resolve("https://hooks.internal/vigil")


def test_saving_an_endpoint_inside_the_network_is_refused(no_exceptions, integration):
    with pytest.raises(ValidationError, match="loopback"):
        services.endpoint_create(
            integration=integration, url="http://127.0.0.1:5432/", events=Event.values
        )


def test_the_admin_form_names_the_reason(no_exceptions, admin_client, integration):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "integration": integration.pk,
            "url": "http://169.254.169.254/latest/meta-data/",
            "events": [Event.TICKET_CREATED],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "link-local (cloud metadata) address" in response.content.decode()
    assert not integration.endpoints.exists()


def test_a_name_that_moves_inside_after_saving_is_refused_at_send_time(
    integration, webhook_server, settings, monkeypatch
):
    # Saved while it pointed at a receiver allowed then (the test server on this machine)...
    endpoint = services.endpoint_create(
        integration=integration, url=webhook_server.url, events=Event.values
    )
    # ...and by the time of the send, nothing inside is allowed.
    settings.VIGIL_WEBHOOK_ALLOWED_NETWORKS = []
    [delivery] = services.deliveries_enqueue(
        event=Event.TICKET_CREATED, data_for=lambda integration: {"ticket": {"id": 1}}
    )
    delivery = services.delivery_attempt(delivery_id=delivery.pk)
    assert delivery.status == Status.FAILED  # refused is final: asking again changes nothing
    assert delivery.last_error.startswith("Refused: 127.0.0.1 is 127.0.0.1, a loopback address")
    assert webhook_server.received == []
    assert endpoint.deliveries.count() == 1
