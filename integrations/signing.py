"""HMAC-SHA256 signatures of webhook bodies, the same scheme inbound and outbound.

The signed text is ``<timestamp>.<raw body>``: the timestamp is covered by the signature, so an
old delivery cannot be replayed with a fresh timestamp.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
DELIVERY_HEADER = "X-Vigil-Delivery"
EVENT_HEADER = "X-Vigil-Event"
PREFIX = "sha256="


class SignatureError(Exception):
    """The delivery is not signed, or not by the holder of the secret; fit to show."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + digest.hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    body: bytes,
    *,
    signature_header: str | None,
    timestamp_header: str | None,
    tolerance: int,
    now: float | None = None,
) -> None:
    """Raise SignatureError unless the body is signed with ``secret`` within ``tolerance`` s."""
    if not signature_header:
        raise SignatureError(f"The {SIGNATURE_HEADER} header is missing.")
    if not timestamp_header:
        raise SignatureError(f"The {TIMESTAMP_HEADER} header is missing.")
    if not timestamp_header.isascii() or not timestamp_header.isdecimal():
        raise SignatureError(f"{TIMESTAMP_HEADER} must be a Unix time in seconds.")
    age = abs((time.time() if now is None else now) - int(timestamp_header))
    if age > tolerance:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {int(age)} s away from now; at most {tolerance} s is accepted."
        )
    expected = signature(secret, timestamp_header, body)
    if not hmac.compare_digest(expected.encode(), signature_header.strip().encode()):
        raise SignatureError(f"The {SIGNATURE_HEADER} does not match the body.")
