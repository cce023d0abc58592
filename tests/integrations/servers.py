"""Real servers the tests talk to: our SMTP receiver, a capturing SMTP relay, an HTTP
stand-in for a PBX or Twilio's REST API, free ports."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@dataclass
class StandIn:
    """An HTTP server on a free port that records every request and answers ``answer``
    (JSON) with ``status`` after ``delay`` seconds; tests change them between requests."""

    url: str
    answer: Any
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0


@contextmanager
def http_stand_in(answer: Any, status: int = 200) -> Iterator[StandIn]:
    """A real HTTP server in a thread (``http.server``), for what our providers call."""
    stand_in = StandIn("", answer, status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            stand_in.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            time.sleep(stand_in.delay)  # a provider that takes its time to answer
            raw = stand_in.answer
            payload = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
            self.send_response(stand_in.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
