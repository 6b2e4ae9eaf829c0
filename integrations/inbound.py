"""The inbound webhook's body: parsed and checked before anything is written.

{"delivery_id": "d-1",
 "conversation": {"id": "c-1", "subject": "…",
                  "customer": {"name": "…", "email": "…"}},
 "message": {"id": "m-1", "author": "…", "role": "customer|analyst", "text": "…"}}
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core import untrusted_json

ROLES = ("customer", "analyst")
MAX_ID = 150


class InboundError(Exception):
    """A delivery that cannot be taken: the field at fault, the reason, the HTTP status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass(frozen=True)
class InboundCustomer:
    name: str
    email: str


@dataclass(frozen=True)
class InboundConversation:
    id: str
    subject: str
    customer: InboundCustomer


@dataclass(frozen=True)
class InboundMessage:
    id: str
    author: str
    role: str
    text: str


@dataclass(frozen=True)
class InboundDelivery:
    id: str
    conversation: InboundConversation
    message: InboundMessage


def parse_delivery(raw: bytes) -> InboundDelivery:
    """The delivery in ``raw``, or InboundError naming the first field at fault."""
    try:
        data = untrusted_json.loads(raw)
    except untrusted_json.TooDeep as exc:
        raise InboundError("body", str(exc)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InboundError("body", f"The body is not valid JSON: {exc}.") from exc
    body = _object(data, "body")
    conversation = _object(body.get("conversation"), "conversation")
    customer = _object(conversation.get("customer"), "conversation.customer")
    message = _object(body.get("message"), "message")
    role = _text(message, "role", "message", 20)
    if role not in ROLES:
        raise InboundError("message.role", f"message.role must be one of {', '.join(ROLES)}.")
    return InboundDelivery(
        id=_text(body, "delivery_id", "", MAX_ID),
        conversation=InboundConversation(
            id=_text(conversation, "id", "conversation", MAX_ID),
            subject=_text(conversation, "subject", "conversation", 200),
            customer=InboundCustomer(
                name=_text(customer, "name", "conversation.customer", 120),
                email=_email(customer),
            ),
        ),
        message=InboundMessage(
            id=_text(message, "id", "message", MAX_ID),
            author=_text(message, "author", "message", 120),
            role=role,
            text=_text(message, "text", "message", settings.VIGIL_MAX_MESSAGE_CHARS),
        ),
    )


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        what = "The body" if path == "body" else path
        raise InboundError(path, f"{what} must be a JSON object.")
    return value


def _text(data: dict[str, Any], key: str, parent: str, limit: int) -> str:
    path = f"{parent}.{key}" if parent else key
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and key in {"id", "delivery_id"}:
        value = str(value)  # many systems number their conversations and messages
    if not isinstance(value, str) or not value.strip():
        raise InboundError(path, f"{path} is required and must be a non-empty string.")
    value = value.strip()
    if len(value) > limit:
        raise InboundError(path, f"{path} is limited to {limit:,} characters; got {len(value):,}.")
    _storable(value, path)
    return value


def _storable(value: str, path: str) -> None:
    """PostgreSQL text holds no NUL character, and UTF-8 no lone surrogate (JSON escapes
    both): refused here, by name, rather than failing in the database."""
    if "\x00" in value:
        raise InboundError(path, f"{path} must not contain NUL characters.")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise InboundError(path, f"{path} is not valid Unicode text: {exc.reason}.") from exc


def _email(customer: dict[str, Any]) -> str:
    email = _text(customer, "email", "conversation.customer", 254)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InboundError(
            "conversation.customer.email", f"{email!r} is not a valid email address."
        ) from exc
    return email
