"""Writes: integrations and their credentials, inbound conversations, outbound deliveries."""

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework.authtoken.models import Token

from core import roles
from core.tasks import enqueue_recoverable
from integrations import destinations, selectors, signing, transport
from integrations.inbound import InboundDelivery, InboundError
from integrations.models import (
    ConversationLink,
    Event,
    Integration,
    Mailbox,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.models import Message, Team, Ticket

Status = WebhookDelivery.Status
# However many failures, a delivery is tried again at least this often.
MAX_BACKOFF = dt.timedelta(hours=1)


class IntegrationError(Exception):
    """A change that cannot be made; the message is fit to show to the admin."""


def new_secret() -> str:
    return secrets.token_hex(32)


@dataclass(frozen=True)
class Credentials:
    """What an admin is shown once: the signing secret and the REST API token."""

    integration: Integration
    secret: str
    token: str


def integration_create(*, name: str, slug: str, team: Team, active: bool = True) -> Credentials:
    """Create an integration with its secret and its service user (an analyst of ``team``
    holding an API token)."""
    username = f"integration-{slug}"[:150]
    if User.objects.filter(username=username).exists():
        raise IntegrationError(f"A user called {username} already exists; choose another slug.")
    with transaction.atomic():
        user = User.objects.create_user(username=username, first_name=name[:150])
        user.is_active = active
        user.save(update_fields=["is_active"])
        for group in (roles.ANALYST, roles.SERVICE_ACCOUNTS):
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        team.members.add(user)
        integration = Integration(
            name=name, slug=slug, team=team, active=active, secret=new_secret(), service_user=user
        )
        integration.full_clean()
        integration.save()
        token = Token.objects.create(user=user)
    return Credentials(integration, integration.secret, token.key)


def integration_update(
    *, integration: Integration, name: str, slug: str, team: Team, active: bool
) -> Integration:
    """Change an integration; its service user follows its team and its active flag."""
    user = integration.service_user
    with transaction.atomic():
        # Read from the row: an admin form has already set the new team on the instance.
        saved_team = Integration.objects.select_for_update().get(pk=integration.pk).team
        if saved_team.pk != team.pk:
            saved_team.members.remove(user)
            team.members.add(user)
        integration.name, integration.slug, integration.team = name, slug, team
        integration.active = active
        integration.full_clean()
        integration.save(update_fields=["name", "slug", "team", "active"])
        # A switched-off integration's token stops working with it.
        user.first_name, user.is_active = name[:150], active
        user.save(update_fields=["first_name", "is_active"])
    return integration


def integration_rotate_secret(*, integration: Integration) -> str:
    """A new inbound signing secret; the old one stops working at once."""
    integration.secret = new_secret()
    integration.secret_rotated_at = timezone.now()
    integration.save(update_fields=["secret", "secret_rotated_at"])
    return integration.secret


def integration_rotate_token(*, integration: Integration) -> str:
    """A new REST API token for the service user; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=integration.service_user).delete()
        token = Token.objects.create(user=integration.service_user)
    return str(token.key)


def integration_delete(*, integration: Integration) -> None:
    """Delete the integration with its service user, token, endpoints and delivery log.
    Tickets it opened stay."""
    integration.service_user.delete()


def endpoint_create(
    *, integration: Integration, url: str, events: Iterable[str], active: bool = True
) -> WebhookEndpoint:
    """An endpoint with a new signing secret (``endpoint.secret``, to show the admin once)."""
    endpoint = WebhookEndpoint(
        integration=integration,
        url=url,
        events=_clean_events(events),
        active=active,
        secret=new_secret(),
    )
    endpoint.full_clean()
    _check_destination(url)
    endpoint.save()
    return endpoint


def endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events: Iterable[str], active: bool
) -> WebhookEndpoint:
    endpoint.url, endpoint.events, endpoint.active = url, _clean_events(events), active
    endpoint.full_clean()
    _check_destination(url)
    endpoint.save(update_fields=["url", "events", "active"])
    return endpoint


def _check_destination(url: str) -> None:
    try:
        destinations.check_url(url)
    except destinations.RefusedDestination as exc:
        raise ValidationError({"url": str(exc)}) from None


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint.secret


def _clean_events(events: Iterable[str]) -> list[str]:
    cleaned = sorted(set(events))
    if not cleaned:
        raise IntegrationError("Subscribe the endpoint to at least one event.")
    unknown = [event for event in cleaned if event not in Event.values]
    if unknown:
        raise IntegrationError(f"Unknown events: {', '.join(unknown)}.")
    return cleaned


# --- Inbound ---


@dataclass(frozen=True)
class InboundResult:
    ticket: Ticket
    message: Message
    created: bool


def inbound_receive(*, integration: Integration, delivery: InboundDelivery) -> InboundResult:
    """Take one message of an external conversation. The first message opens a ticket in the
    integration's team; later ones join it. The same message delivered again changes nothing
    and returns what the first delivery made."""
    conversation, incoming = delivery.conversation, delivery.message
    external_id = f"integration:{integration.pk}:{incoming.id}"
    kind = Message.Kind.CUSTOMER if incoming.role == "customer" else Message.Kind.ANALYST
    with transaction.atomic():
        # Two first messages of one conversation arriving together must open one ticket.
        with connection.cursor() as cursor:
            key = f"vigil.integration:{integration.pk}:{conversation.id}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        ticket_id = selectors.conversation_ticket_id(integration, conversation.id)
        if ticket_id is None:
            return _open_conversation(integration, delivery, external_id, kind)
        try:
            # Only what adding a message needs of it: the message locks and reads it again.
            ticket = ticket_selectors.ticket_get_for_user(
                integration.service_user, ticket_id, fields=("id", "merged_into_id")
            )
        except ticket_selectors.TicketNotFound:
            raise InboundError(
                "conversation.id",
                f"Ticket #{ticket_id} of this conversation is no longer in the "
                "integration's teams.",
                status=409,
            ) from None
        message, created = _message(
            ticket, integration, incoming.author, kind, incoming.text, external_id
        )
    return InboundResult(ticket, message, created)


def _open_conversation(
    integration: Integration, delivery: InboundDelivery, external_id: str, kind: str
) -> InboundResult:
    if kind != Message.Kind.CUSTOMER:
        raise InboundError(
            "message.role", "A new conversation starts with a customer message.", status=422
        )
    conversation = delivery.conversation
    customer = ticket_services.customer_get_or_create(
        name=conversation.customer.name, email=conversation.customer.email
    )
    ticket = ticket_services.ticket_create(
        team=integration.team,
        customer=customer,
        subject=conversation.subject,
        body=delivery.message.text,
        external_id=external_id,
    )
    ConversationLink.objects.create(
        integration=integration, external_id=conversation.id, ticket=ticket
    )
    return InboundResult(ticket, ticket.messages.get(external_id=external_id), True)


def _message(
    ticket: Ticket, integration: Integration, author: str, kind: str, text: str, external_id: str
) -> tuple[Message, bool]:
    try:
        return ticket_services.message_create(
            ticket=ticket,
            kind=kind,
            body=text,
            author=integration.service_user if kind == Message.Kind.ANALYST else None,
            author_name=author,
            external_id=external_id,
        )
    except ticket_services.TicketError as exc:
        # The one refusal left once the body was checked: a message id reused for another role.
        raise InboundError("message.id", str(exc), status=409) from exc


# --- Outbound ---


def deliveries_enqueue(
    *, event: str, data_for: Callable[[Integration], dict[str, Any] | None]
) -> list[WebhookDelivery]:
    """One delivery per endpoint subscribed to ``event`` whose integration may see it, each
    queued for sending once saved. ``data_for`` says what the event is for one integration
    (None: not its team's business)."""
    now = timezone.now()
    data: dict[int, dict[str, Any] | None] = {}
    deliveries = []
    for endpoint in selectors.endpoints_for_event(event):
        if endpoint.integration_id not in data:
            data[endpoint.integration_id] = data_for(endpoint.integration)
        payload = data[endpoint.integration_id]
        if payload is not None:
            deliveries.append(
                WebhookDelivery(
                    endpoint=endpoint, event=event, payload=payload, next_attempt_at=now
                )
            )
    with transaction.atomic():
        created = WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in created:
            _queue(delivery.pk)
    return created


def _queue(delivery_id: int) -> None:
    # Not queued (the broker away): the minute's send_due_webhooks sends it.
    transaction.on_commit(
        lambda: enqueue_recoverable("integrations.tasks.deliver_webhook", delivery_id)
    )


def envelope(delivery: WebhookDelivery) -> bytes:
    """The body sent for a delivery: the same bytes on every attempt."""
    document = {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send a due delivery once and record the outcome: delivered, tried again later with
    exponential backoff (network error, timeout, 5xx, 429), or given up. Returns None when the
    delivery is not due (another worker has it, or it is done)."""
    now = timezone.now()
    timeout = settings.VIGIL_WEBHOOK_TIMEOUT_SECONDS
    # Claiming pushes the next attempt past this one, so a second worker leaves it alone.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=Status.PENDING,
        next_attempt_at__lte=now,
        endpoint__active=True,
        endpoint__integration__active=True,
    ).update(next_attempt_at=now + dt.timedelta(seconds=2 * timeout + 30))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    response = _post(delivery, timeout=timeout)
    _record_attempt(delivery, response)
    return delivery


def _post(delivery: WebhookDelivery, *, timeout: float) -> transport.Response:
    body = envelope(delivery)
    headers = {
        "Content-Type": "application/json",
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.uuid),
        **signing.signed_headers(delivery.endpoint.secret, body),
    }
    return transport.post(delivery.endpoint.url, body, headers, timeout=timeout)


def _record_attempt(delivery: WebhookDelivery, response: transport.Response) -> None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = response.status_code
    delivery.last_error = response.error
    if not response.error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Status.DELIVERED,
            now,
            None,
        )
    elif response.retry and delivery.attempts < settings.VIGIL_WEBHOOK_MAX_ATTEMPTS:
        wait = max(backoff(delivery.attempts), dt.timedelta(seconds=response.retry_after))
        delivery.next_attempt_at = now + min(wait, MAX_BACKOFF)
    else:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: the base, doubled after each failure."""
    seconds = settings.VIGIL_WEBHOOK_RETRY_SECONDS * 2 ** (attempts - 1)
    return min(dt.timedelta(seconds=seconds), MAX_BACKOFF)


def deliveries_send_due(*, limit: int = 500) -> int:
    """Queue a send for each delivery whose next attempt is due; returns how many."""
    due = list(
        selectors.deliveries_due(now=timezone.now(), limit=limit).values_list("pk", flat=True)
    )
    for delivery_id in due:
        async_task("integrations.tasks.deliver_webhook", delivery_id)
    return len(due)


def delivery_retry_now(*, delivery: WebhookDelivery) -> bool:
    """An admin's "retry now": a pending or given-up delivery is sent again at once (a given-up
    one gets one more try). Delivered ones are left alone; returns whether it was queued."""
    if delivery.status == Status.DELIVERED:
        return False
    with transaction.atomic():
        delivery.status, delivery.next_attempt_at = Status.PENDING, timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at"])
        _queue(delivery.pk)
    return True


def mailbox_create(*, mailbox: Mailbox) -> Mailbox:
    """Save a new team mailbox with a signing secret of its own (shown once)."""
    mailbox.secret = new_secret()
    mailbox.address = mailbox.address.strip().lower()
    mailbox.full_clean()
    mailbox.save()
    return mailbox


def mailbox_rotate_secret(*, mailbox: Mailbox) -> str:
    """A new signing secret for the mailbox's inbound endpoint; the old one stops at once."""
    mailbox.secret = new_secret()
    mailbox.save(update_fields=["secret"])
    return mailbox.secret
