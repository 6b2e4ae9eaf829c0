import datetime as dt
import json

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, result

from integrations import services, signing
from integrations.models import Event, WebhookDelivery

Status = WebhookDelivery.Status


def enqueue(event=Event.TICKET_CREATED, data=None):
    [delivery] = services.deliveries_enqueue(
        event=event, data_for=lambda integration: data or {"ticket": {"id": 1}}
    )
    return delivery


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def attempt(delivery):
    return services.delivery_attempt(delivery_id=delivery.pk)


def test_a_delivery_is_posted_signed_with_the_endpoints_secret(endpoint, webhook_server):
    delivery = attempt(enqueue())
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    [received] = webhook_server.received
    assert received.path == "/hooks/vigil"
    headers = received.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Vigil-Webhooks/1"
    assert headers["X-Vigil-Event"] == "ticket.created"
    assert headers["X-Vigil-Delivery"] == str(delivery.uuid)
    # What a receiver does with the secret it was shown: recompute and compare.
    signing.verify(
        endpoint.secret,
        received.body,
        signature_header=headers["X-Vigil-Signature"],
        timestamp_header=headers["X-Vigil-Timestamp"],
        tolerance=300,
    )
    assert json.loads(received.body) == {
        "id": str(delivery.uuid),
        "event": "ticket.created",
        "created_at": delivery.created_at.isoformat(),
        "data": {"ticket": {"id": 1}},
    }


def test_the_signature_does_not_verify_with_another_secret(endpoint, webhook_server):
    attempt(enqueue())
    [received] = webhook_server.received
    with pytest.raises(signing.SignatureError):
        signing.verify(
            "another-secret",
            received.body,
            signature_header=received.headers["X-Vigil-Signature"],
            timestamp_header=received.headers["X-Vigil-Timestamp"],
            tolerance=300,
        )


def test_a_500_is_retried_with_backoff_then_delivered(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_RETRY_SECONDS = 30
    webhook_server.statuses = [500, 503]
    delivery = enqueue()
    before = timezone.now()
    delivery = attempt(delivery)
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error.startswith("HTTP 500")
    first_wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=30) <= first_wait < dt.timedelta(seconds=35)
    # Not due yet: nothing is sent.
    assert attempt(delivery) is None
    make_due(delivery)
    before = timezone.now()
    delivery = attempt(delivery)
    assert delivery.attempts == 2
    second_wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=60) <= second_wait < dt.timedelta(seconds=65)
    make_due(delivery)
    delivery = attempt(delivery)
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert len(webhook_server.received) == 3
    # Every attempt carries the same delivery id and the same body.
    assert len({r.headers["X-Vigil-Delivery"] for r in webhook_server.received}) == 1
    assert len({r.body for r in webhook_server.received}) == 1


def test_the_periodic_task_sends_what_is_due(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_RETRY_SECONDS = 0
    webhook_server.statuses = [500]
    delivery = attempt(enqueue())
    assert delivery.status == Status.PENDING
    # The schedule's task, run through django-q2 (sync in tests) as the cluster would.
    assert result(async_task("integrations.tasks.send_due_webhooks")) == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 2
    assert result(async_task("integrations.tasks.send_due_webhooks")) == 0


def test_the_cluster_runs_the_sweep_every_minute(db):
    schedule = Schedule.objects.get(func="integrations.tasks.send_due_webhooks")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_it_gives_up_after_the_last_attempt(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_MAX_ATTEMPTS = 3
    webhook_server.statuses = [500, 502, 500, 500]
    delivery = enqueue()
    for _ in range(3):
        make_due(delivery)
        delivery = attempt(delivery)
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    make_due(delivery)
    assert attempt(delivery) is None
    assert len(webhook_server.received) == 3


def test_a_429_waits_at_least_as_long_as_asked(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_RETRY_SECONDS = 1
    webhook_server.statuses = [429]
    before = timezone.now()
    delivery = attempt(enqueue())
    assert delivery.status == Status.PENDING
    assert delivery.last_status_code == 429
    assert delivery.next_attempt_at - before >= dt.timedelta(seconds=1)


def test_a_refusal_is_not_retried(endpoint, webhook_server):
    webhook_server.statuses = [410]
    delivery = attempt(enqueue())
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 410


def test_a_refused_connection_is_retried(integration, closed_port_url):
    services.endpoint_create(
        integration=integration, url=closed_port_url, events=[Event.TICKET_CREATED]
    )
    delivery = attempt(enqueue())
    assert delivery.status == Status.PENDING
    assert delivery.last_status_code is None
    assert "ConnectError" in delivery.last_error


def test_a_slow_endpoint_times_out_and_is_retried(endpoint, webhook_server, settings):
    settings.VIGIL_WEBHOOK_TIMEOUT_SECONDS = 1
    webhook_server.delay = 1.5
    delivery = attempt(enqueue())
    assert delivery.status == Status.PENDING
    assert "Timeout" in delivery.last_error


def test_retry_now_gives_a_given_up_delivery_one_more_try(
    endpoint, webhook_server, settings, django_capture_on_commit_callbacks
):
    settings.VIGIL_WEBHOOK_MAX_ATTEMPTS = 1
    webhook_server.statuses = [500]
    delivery = attempt(enqueue())
    assert delivery.status == Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_retry_now(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 2
    assert not services.delivery_retry_now(delivery=delivery)


def test_a_switched_off_endpoint_keeps_its_deliveries_for_later(endpoint, webhook_server):
    delivery = enqueue()
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, events=endpoint.events, active=False
    )
    assert attempt(delivery) is None
    assert services.deliveries_send_due() == 0
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, events=endpoint.events, active=True
    )
    assert attempt(delivery).status == Status.DELIVERED


def test_only_subscribed_endpoints_get_an_event(integration, webhook_server):
    services.endpoint_create(
        integration=integration, url=webhook_server.url, events=[Event.KNOWLEDGE_APPROVED]
    )
    assert services.deliveries_enqueue(event=Event.TICKET_CREATED, data_for=lambda i: {}) == []


def test_new_deliveries_are_sent_by_a_task_once_saved(
    endpoint, webhook_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = enqueue()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert len(webhook_server.received) == 1
