"""The inbound webhook: other systems post their conversations' messages here."""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import close_old_connections, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.concurrency import AtOnce
from integrations import selectors, services, signing
from integrations.inbound import InboundError, parse_delivery
from integrations.mail import receiving
from integrations.mail.parsing import MailRejected
from tickets.selectors import parse_int

logger = logging.getLogger(__name__)
# Deliveries in their database step at once; more wait their turn on the event loop, not in
# threads contending for the interpreter and the connection pool (docs/benchmarks.md).
_deliveries_at_once = AtOnce(settings.VIGIL_INBOUND_AT_ONCE)


def _error(status: int, message: str, field: str | None = None) -> JsonResponse:
    body = {"error": message} if field is None else {"error": message, "field": field}
    return JsonResponse(body, status=status)


# A plain HttpRequest: no login and no htmx here; the signature is the credential.
@csrf_exempt  # signed by the sender's secret instead of a CSRF token
@require_POST
async def inbound(request: HttpRequest, slug: str) -> JsonResponse:
    """An async view around one synchronous step: with every middleware async-capable, a
    delivery crosses into a thread once, instead of once per layer (docs/benchmarks.md).

    The step hands its database connection back to the pool as soon as it ends, not when the
    response has gone back up through the middleware and out: under load, requests waited for
    connections held by finished deliveries."""
    async with _deliveries_at_once():
        return await sync_to_async(_inbound_then_release)(request, slug)


def _inbound_then_release(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        return _inbound(request, slug)
    finally:
        # As at the end of a request (a pooled connection goes back to the pool); not inside
        # an enclosing transaction (tests), whose connection must stay open.
        if not connection.in_atomic_block:
            close_old_connections()


def _signature_refused(secret: str, raw: bytes, request: HttpRequest) -> str | None:
    """Why the request's signature of ``raw`` does not hold for ``secret``; None when it does."""
    try:
        signing.verify(
            secret,
            raw,
            signature_header=request.headers.get(signing.SIGNATURE_HEADER),
            timestamp_header=request.headers.get(signing.TIMESTAMP_HEADER),
            tolerance=settings.VIGIL_WEBHOOK_TOLERANCE_SECONDS,
        )
    except signing.SignatureError as exc:
        return str(exc)
    return None


def _inbound(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        integration = selectors.integration_get_active(slug)
    except selectors.IntegrationNotFound:
        return _error(404, f"There is no active integration {slug!r}.")
    try:
        raw = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(413, f"The body is larger than {limit:,} bytes.", "body")
    if refused := _signature_refused(integration.secret, raw, request):
        return _error(401, refused)
    try:
        delivery = parse_delivery(raw)
        result = services.inbound_receive(integration=integration, delivery=delivery)
    except InboundError as exc:
        return _error(exc.status, exc.message, exc.field)
    logger.info(
        "integration %s delivery %s: message %s on ticket #%s%s",
        integration.slug,
        delivery.id,
        result.message.pk,
        result.ticket.pk,
        "" if result.created else " (already received)",
    )
    return JsonResponse(
        {
            "delivery_id": delivery.id,
            "ticket": result.ticket.pk,
            "message": result.message.pk,
            "created": result.created,
        },
        status=201 if result.created else 200,
    )


@csrf_exempt  # signed by the relay's secret instead of a CSRF token
@require_POST
async def mail_inbound(request: HttpRequest, slug: str) -> JsonResponse:
    """One raw email (RFC 5322 bytes as the body) for a team mailbox."""
    return await sync_to_async(_mail_inbound)(request, slug)


def _mail_inbound(request: HttpRequest, slug: str) -> JsonResponse:
    mailbox = selectors.mailbox_get_active(slug)
    if mailbox is None:
        return _error(404, f"There is no active mailbox {slug!r}.")
    limit = settings.VIGIL_INBOUND_EMAIL_MAX_BYTES
    # Read past DATA_UPLOAD_MAX_MEMORY_SIZE (meant for forms): a mail may be several MB.
    declared = parse_int(request.META.get("CONTENT_LENGTH", "")) or 0
    raw = b"" if declared > limit else request.read(limit + 1)
    if declared > limit or len(raw) > limit:
        logger.warning("mailbox %s refused a mail (413): over %s bytes", slug, limit)
        return _error(413, f"The mail is larger than {limit:,} bytes.", "body")
    if refused := _signature_refused(mailbox.secret, raw, request):
        logger.warning("mailbox %s refused a delivery (401): %s", slug, refused)
        return _error(401, refused)
    try:
        received = receiving.mail_receive_raw(mailbox=mailbox, raw=raw)
    except MailRejected as exc:
        return _error(exc.status, exc.message, "body")
    if received.ignored:
        return JsonResponse({"ignored": received.ignored}, status=200)
    return JsonResponse(
        {"ticket": received.ticket_id, "message": received.message_id, "created": received.created},
        status=201 if received.created else 200,
    )
