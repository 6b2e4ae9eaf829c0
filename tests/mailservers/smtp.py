"""A real SMTP server in the test process (aiosmtpd), recording what it was handed."""

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    """The server's handler: keeps each mail; ``refuse_rcpt`` / ``refuse_data`` make it answer
    with that SMTP reply instead (e.g. ``550 5.1.1 no such user``, ``451 4.3.0 try later``)."""

    mails: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    refuse_rcpt: str = ""
    refuse_data: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def mails(self) -> list[EmailMessage]:
        return self.recorder.mails

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
