"""Real servers the tests talk to: our SMTP receiver, a capturing SMTP relay, free ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from integrations import Integrations
from integrations.smtp_receiver import start_receiver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Captured:
    """What the capturing relay received: parsed messages with their envelopes."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@contextmanager
def capturing_relay() -> Iterator[tuple[Captured, int]]:
    """An SMTP relay that keeps what it is sent (stands in for the company's mail server)."""
    captured, port = Captured(), free_port()
    controller = Controller(captured, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield captured, port
    finally:
        controller.stop()


@contextmanager
def receiver(service: Integrations) -> Iterator[int]:
    """Our ``clientflow smtpd`` receiver on a free port."""
    port = free_port()
    controller = start_receiver(service, "127.0.0.1", port)
    try:
        yield port
    finally:
        controller.stop()
