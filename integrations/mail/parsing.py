"""Raw MIME read into what a ticket needs, without trusting any of it.

Every real-world shape becomes a ``ParsedMail`` or a ``MailRejected`` naming why: multipart or
single part, HTML only (sanitised to plain text), any charset (an unknown one read as UTF-8
with replacement), malformed headers (read raw), inline images and attachments (kept as files).
"""

import email
import email.policy
import hashlib
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from email_reply_parser import EmailReplyParser

# A reply's token: the subject of every mail Vigil sends on a ticket carries ``[#<id>]``.
TICKET_TOKEN = re.compile(r"\[#(\d{1,12})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,240}>")
MAX_REFERENCES = 50
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|no-?reply)\b", re.I)
BLOCK_END = re.compile(r"<(br|/p|/div|/tr|/li|/h[1-6]|/blockquote|/table)\b[^>]*>", re.I)
SIGNATURE = re.compile(r"^-- ?$", re.M)  # RFC 3676's signature delimiter
# "Re:", "Fwd:" and their translations in front of a subject, however many.
REPLY_PREFIX = re.compile(r"^(\s*(re|fwd?|aw|wg|sv|vs|antw|rif|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


class MailRejected(Exception):
    """A mail that cannot become a message: the reason, fit to show, and the HTTP status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class MailFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender_name: str
    sender: str
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str  # the whole text, decoded (HTML-only mail: sanitised to text)
    reply: str  # the new part: quoted history and the signature cut
    files: list[MailFile] = field(default_factory=list)
    automatic: str = ""  # why this is an automatic mail (auto-reply, bounce, list), or ""

    @property
    def topic(self) -> str:
        """The subject for a new ticket: without the "Re:" and "Fwd:" in front."""
        return REPLY_PREFIX.sub("", self.subject).strip() or self.subject

    @property
    def ticket_token(self) -> int | None:
        found = TICKET_TOKEN.search(self.subject)
        return int(found.group(1)) if found else None

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, the most recent first."""
        ids = [*self.in_reply_to, *reversed(self.references)]
        return list(dict.fromkeys(ids))[:MAX_REFERENCES]


def parse(raw: bytes) -> ParsedMail:
    """``raw`` read as one mail, or MailRejected."""
    if not raw.strip():
        raise MailRejected("The body is empty: expected a raw RFC 5322 message.", 400)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not _header(message, "From") and not _header(message, "Received"):
        raise MailRejected("This is not an email: it has no From header.", 400)
    sender_name, sender = _sender(message)
    body_parts = _body_parts(message)
    text = _text(body_parts)
    files = _files(message, body_parts)
    if not text.strip() and not files:
        raise MailRejected("The mail has neither text nor attached files.")
    return ParsedMail(
        message_id=_message_id(message, raw),
        sender_name=sender_name,
        sender=sender,
        subject=_clean(_header(message, "Subject"))[:200],
        in_reply_to=MESSAGE_ID.findall(_header(message, "In-Reply-To"))[:MAX_REFERENCES],
        references=MESSAGE_ID.findall(_header(message, "References"))[-MAX_REFERENCES:],
        text=text,
        reply=_reply(text),
        files=files,
        automatic=_automatic(message, sender),
    )


def _header(message: Message, name: str) -> str:
    """A header as text; a malformed one is read raw rather than failing the whole mail."""
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):
        raw = message.get_all(name, failobj=[]) if hasattr(message, "get_all") else []
        value = raw[0] if raw else ""
    return _clean(str(value or ""))


def _clean(text: str) -> str:
    """Storable text: no NUL (PostgreSQL refuses it), no lone surrogates, one line."""
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return " ".join(text.split())


def _sender(message: Message) -> tuple[str, str]:
    raw = _header(message, "From") or _header(message, "Sender")
    pairs = getaddresses([raw]) or [parseaddr(raw)]
    name, address = pairs[0] if pairs else ("", "")
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise MailRejected(f"The sender {raw[:200]!r} is not a valid email address.") from None
    return _clean(name)[:120], address


def _message_id(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID.search(_header(message, "Message-ID"))
    if found:
        return found.group(0)
    # No usable Message-ID: the content's digest stands for it, so a resend is still known.
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def _automatic(message: Message, sender: str) -> str:
    """Why this mail was written by a machine (RFC 3834 and the common conventions), or ""."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(message, name):
            return f"{name} header"
    if AUTOMATIC_SENDERS.match(sender):
        return f"sent by {sender}"
    if message.get_content_type() == "multipart/report":
        return "a delivery report (bounce)"
    if _header(message, "Return-Path") == "<>":
        return "an empty Return-Path (a bounce)"
    return ""


def _body_parts(message: Message) -> list[Message]:
    """The parts that carry the text: the plain one when there is one, else the HTML one."""
    if not isinstance(message, EmailMessage):
        return []
    try:
        plain = message.get_body(preferencelist=("plain",))
        rich = message.get_body(preferencelist=("html",))
    except (KeyError, ValueError, LookupError):
        return []
    return [part for part in (plain, rich) if part is not None]


def _text(parts: list[Message]) -> str:
    for part in parts:
        content = _decoded(part)
        if part.get_content_type() == "text/html":
            content = html_to_text(content)
        content = content.replace("\r\n", "\n").replace("\x00", "")
        if content.strip():
            return re.sub(r"\n{3,}", "\n\n", content).strip()
    return ""


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", "replace")


def html_to_text(markup: str) -> str:
    """HTML as plain text: blocks become lines, every tag and script goes (nh3), entities are
    read. The result is shown escaped, like any message."""
    markup = BLOCK_END.sub("\n", markup)
    cleaned = nh3.clean(markup, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    lines = (" ".join(line.split()) for line in html.unescape(cleaned).split("\n"))
    return "\n".join(lines)


def _reply(text: str) -> str:
    """The new part of the mail: quoted history cut (email-reply-parser), then the signature."""
    reply = EmailReplyParser.parse_reply(text) or text
    signature = SIGNATURE.search(reply)
    if signature and reply[: signature.start()].strip():
        reply = reply[: signature.start()]
    return reply.strip() or text.strip()


def _files(message: Message, body_parts: list[Message]) -> list[MailFile]:
    files = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart() or any(part is body for body in body_parts):
            continue
        maintype = part.get_content_maintype()
        name = _filename(part)
        if maintype == "text" and not name and _disposition(part) != "attachment":
            continue  # another alternative of the text
        if maintype == "message":
            data = part.as_bytes()
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        if data:
            files.append(MailFile(name=name or f"part-{number}", data=data))
    return files


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, IndexError, TypeError, LookupError):
        name = ""
    return _clean(name).replace("/", "_").replace("\\", "_")[:200]


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except (ValueError, IndexError, TypeError):
        return ""
