"""Delivering the CRM outbox over SMTP, after the step that queued a message committed.

``CLIENTFLOW_SMTP_URL`` names the relay: ``smtp://host:port``, ``smtp+starttls://user:pass@host``
or ``smtps://user:pass@host:465``. Each message goes out with the Message-ID
``mail.send`` gave it, so a reply's ``In-Reply-To`` threads back to its case or
quote. A failure is retried with growing delays; after :data:`MAX_ATTEMPTS`
the row is ``failed``, with the error, for an operator to see
(:func:`failed_messages`).
"""

from __future__ import annotations

import os
import smtplib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from crm import outbox as crm_outbox
from crm.models import OutboxChannel, OutboxMessage, OutboxStatus
from engine import Database

from .errors import NotConfigured

SMTP_URL_ENV = "CLIENTFLOW_SMTP_URL"
MAIL_FROM_ENV = "CLIENTFLOW_MAIL_FROM"
DEFAULT_FROM = "support@demo.clientflow.test"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)

Send = Callable[[EmailMessage], None]


@dataclass(frozen=True)
class SmtpRelay:
    """Where outbound mail goes; :meth:`send` opens one connection per message."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    mode: str = "plain"  # plain, starttls, ssl
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpRelay:
        parts = urlsplit(url)
        modes = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
        if parts.scheme not in modes or not parts.hostname:
            raise NotConfigured(
                f"{SMTP_URL_ENV} must look like smtp://host:25, smtp+starttls://user:pass@host:587"
                f" or smtps://user:pass@host:465, not {url!r}"
            )
        mode = modes[parts.scheme]
        port = parts.port or {"plain": 25, "starttls": 587, "ssl": 465}[mode]
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, user, password, mode)

    def send(self, message: EmailMessage) -> None:
        factory = smtplib.SMTP_SSL if self.mode == "ssl" else smtplib.SMTP
        with factory(self.host, self.port, timeout=self.timeout) as smtp:
            if self.mode == "starttls":
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def relay_from_env() -> SmtpRelay:
    url = os.environ.get(SMTP_URL_ENV)
    if not url:
        raise NotConfigured(f"set {SMTP_URL_ENV} (e.g. smtp://localhost:25) to send email")
    return SmtpRelay.from_url(url)


def deliver_due(db: Database, send: Send, limit: int = 100) -> dict[str, int]:
    """Deliver queued messages that are due, one transaction each; counts by result."""
    counts: Counter[str] = Counter()
    for _ in range(limit):
        with db.session() as session:
            batch = crm_outbox.queued(session, limit=1)
            if not batch:
                break
            counts[_deliver(session, batch[0], send)] += 1
    return dict(counts)


def deliver_one(db: Database, outbox_id: int, send: Send) -> str:
    """Deliver one message now if it is still queued (the after-commit nudge)."""
    with db.session() as session:
        query = sa.select(OutboxMessage).where(
            OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.QUEUED
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        message = session.scalar(query)
        if message is None:
            return "not_queued"
        return _deliver(session, message, send)


def failed_messages(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Messages that could not be delivered, newest first, with their last error."""
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    with db.session() as session:
        return [
            {"id": m.id, "to": m.recipient, "subject": m.subject, "attempts": m.attempts,
             "error": m.last_error, "message_id": m.message_id}
            for m in session.scalars(query)
        ]  # fmt: skip


def _deliver(session: Any, message: OutboxMessage, send: Send) -> str:
    if message.channel != OutboxChannel.EMAIL:
        crm_outbox.mark_failed(session, message.id, "no SMS provider is configured")
        return "failed"
    try:
        send(as_email(message))
    except (smtplib.SMTPException, OSError, NotConfigured) as exc:
        retry_at = _retry_at(message.attempts + 1)
        crm_outbox.mark_failed(session, message.id, f"{type(exc).__name__}: {exc}", retry_at)
        return "retrying" if retry_at is not None else "failed"
    crm_outbox.mark_sent(session, message.id, datetime.now(UTC), message.message_id)
    return "sent"


def _retry_at(attempts: int) -> datetime | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
    return datetime.now(UTC) + delay


def as_email(message: OutboxMessage) -> EmailMessage:
    """The RFC 5322 message of an outbox row, with its own Message-ID and thread headers."""
    email = EmailMessage()
    email["From"] = message.sender or os.environ.get(MAIL_FROM_ENV) or DEFAULT_FROM
    email["To"] = message.recipient
    if message.cc:
        email["Cc"] = ", ".join(message.cc)
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id
    if message.in_reply_to:
        email["In-Reply-To"] = message.in_reply_to
    if message.references:
        email["References"] = " ".join(message.references)
    email.set_content(message.body_text or "")
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email
