"""The inbound SMTP receiver (``clientflow smtpd``): every accepted message is journaled.

aiosmtpd speaks SMTP; :class:`JournalHandler` answers ``250`` only after the
message is committed to the journal (the journal write runs in a thread, so
the event loop keeps serving other connections), ``554`` for a message it
cannot read, and ``451`` (try again later) when the journal is unavailable,
so the sending server keeps the message and retries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.exc import SQLAlchemyError

from .email_parse import email_event, parse_email
from .errors import UnreadableEvent
from .service import Integrations

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024


class JournalHandler:
    """aiosmtpd handler: DATA → parse → journal (→ processing) → reply."""

    def __init__(self, service: Integrations) -> None:
        self.service = service

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self._journal, raw, envelope)
        except UnreadableEvent as exc:
            return f"554 5.6.0 {exc.message}"[:500]
        except SQLAlchemyError:
            log.exception("the journal is unavailable; asking the sender to retry")
            return "451 4.3.0 the journal is unavailable, try again later"

    def _journal(self, raw: bytes, envelope: Any) -> str:
        parsed = parse_email(raw, envelope.mail_from, tuple(envelope.rcpt_tos))
        event_id, created = self.service.ingest(email_event(parsed, raw, via="smtp"))
        if created:
            return f"250 2.0.0 Ok: journaled as event {event_id}"
        return f"250 2.0.0 Ok: already journaled as event {event_id}"


def start_receiver(service: Integrations, host: str = "127.0.0.1", port: int = 2525) -> Controller:
    """Start the receiver in a background thread; ``controller.stop()`` ends it."""
    controller = Controller(
        JournalHandler(service),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        decode_data=False,
    )
    controller.start()
    return controller
