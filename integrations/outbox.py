"""Delivering the CRM outbox through the mail provider, after the step that queued a message.

The provider is ``CLIENTFLOW_MAIL_PROVIDER`` (``smtp`` by default, over
``CLIENTFLOW_SMTP_URL``; see :mod:`integrations.mail_providers`). Each message goes
out with the Message-ID ``mail.send`` gave it, so a reply's ``In-Reply-To``
threads back to its case or quote; the provider's own id for it is kept beside.
A failure is retried with growing delays; after :data:`MAX_ATTEMPTS` the row is
``failed``, with the error, for an operator to see (:func:`failed_messages`).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import sqlalchemy as sa

from crm import NotFoundError
from crm import outbox as crm_outbox
from crm.models import OutboxChannel, OutboxMessage, OutboxStatus
from engine import Database

from .errors import NotConfigured, ProviderError
from .mail_providers import MailProvider, env_config, mail_configured, provider_from_config
from .mail_providers.smtp import SmtpRelay as SmtpRelay

log = logging.getLogger(__name__)

SMTP_URL_ENV = "CLIENTFLOW_SMTP_URL"
MAIL_FROM_ENV = "CLIENTFLOW_MAIL_FROM"
SALES_FROM_ENV = "CLIENTFLOW_SALES_FROM"
DEFAULT_FROM = "support@demo.clientflow.test"
DEFAULT_SALES_FROM = "sales@demo.clientflow.test"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)

Send = Callable[[EmailMessage], str | None]
"""A provider's ``send``: the provider's id for the message (None: its Message-ID)."""


def provider_from_env() -> MailProvider:
    """The provider the CLIENTFLOW_* environment names (a worker's; the web app uses its config)."""
    return provider_from_config(env_config())


def configured_in_env() -> bool:
    """Whether the environment sets up outbound mail at all (else nothing is delivered)."""
    return mail_configured(env_config())


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


def retry_failed(
    db: Database, outbox_id: int, deliver: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Queue a message that failed for good again (after a fix), then hand it on.

    ``deliver`` is what the app calls after a step queued a message (a worker
    task, or delivery right here; ``web.hooks.service``): without one, the next
    outbox sweep delivers it. Returns the message afterwards: ``status``
    (``sent``, ``queued`` while it waits or is retried, ``failed``), ``attempts``
    and ``error``. Raises :class:`crm.NotFoundError` for an unknown id and
    :class:`crm.outbox.NotFailedError` for a message that is not failed.
    """
    with db.session() as session:
        crm_outbox.requeue(session, outbox_id)
    if deliver is not None:
        deliver(outbox_id)
    with db.session() as session:
        message = session.get(OutboxMessage, outbox_id)
        if message is None:  # requeued above; outbox rows are never deleted
            raise NotFoundError("outbox message", outbox_id)
        return {"id": message.id, "status": str(message.status), "attempts": message.attempts,
                "error": message.last_error}  # fmt: skip


def _deliver(session: Any, message: OutboxMessage, send: Send) -> str:
    if message.channel != OutboxChannel.EMAIL:
        crm_outbox.mark_failed(session, message.id, "no SMS provider is configured")
        return "failed"
    try:
        provider_id = send(as_email(message))
    except (ProviderError, NotConfigured) as exc:
        return _failed(session, message, str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(session, message, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a provider module's own bug: retried, and visible, never lost
        log.exception("the mail provider failed on outbox message %s", message.id)
        return _failed(session, message, f"the mail provider failed: {type(exc).__name__}: {exc}")
    crm_outbox.mark_sent(session, message.id, datetime.now(UTC), provider_id or message.message_id)
    return "sent"


def _failed(session: Any, message: OutboxMessage, error: str) -> str:
    retry_at = _retry_at(message.attempts + 1)
    crm_outbox.mark_failed(session, message.id, error, retry_at)
    return "retrying" if retry_at is not None else "failed"


def _retry_at(attempts: int) -> datetime | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
    return datetime.now(UTC) + delay


def default_sender(message: OutboxMessage) -> str:
    """Sales mail (a quote, a deal, a lead, a campaign) comes from the sales address, the
    rest from support's: an answer that loses its threading still reaches the right team."""
    if message.case_id is None and (
        message.quote_id or message.deal_id or message.lead_id or message.campaign_id
    ):
        return os.environ.get(SALES_FROM_ENV) or DEFAULT_SALES_FROM
    return os.environ.get(MAIL_FROM_ENV) or DEFAULT_FROM


def as_email(message: OutboxMessage) -> EmailMessage:
    """The RFC 5322 message of an outbox row, with its own Message-ID and thread headers."""
    email = EmailMessage()
    email["From"] = message.sender or default_sender(message)
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
