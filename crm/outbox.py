"""The outbox: outbound email and SMS, queued inside a step, delivered after it commits.

Queueing is customer work and happens only in a step: ``mail.send`` adds an
:class:`~crm.models.OutboxMessage` (with :func:`new_message_id`) like any CRM
row, guarded and recorded in the change history with its instance, task and
user. A rolled-back step therefore sends nothing.

Delivery is not customer work, and it runs outside any step (a Celery task,
a sweep). The write guard would refuse it, so the functions here open a
*delivery scope* for the duration of one change: a step info whose
``only_writes`` is ``{("crm_outbox", "update")}``. Inside it the guard permits
exactly that, still through the ORM flush, so the change history records each
delivery result (status, attempts, error) against the instance and task that
queued the message, with the user :data:`DELIVERY_USER`. Inserting or deleting
outbox rows, or touching any other table, stays refused outside a step.

A worker's loop, all on one session and one transaction per message::

    with Session(engine) as session:
        for message in crm.outbox.queued(session, limit=1):  # locked, others skip it
            try:
                provider_id = smtp_send(message)  # the sender's own code
            except SmtpError as exc:
                crm.outbox.mark_failed(session, message.id, str(exc), retry_at=later)
            else:
                crm.outbox.mark_sent(session, message.id, datetime.now(UTC), provider_id)
            session.commit()

:func:`queued` locks the rows it returns with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so any number of workers can drain the outbox side by side; SQLite
serialises writers instead. The functions flush but never commit: the caller
owns the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .base import utcnow
from .errors import CrmError, NotFoundError
from .models.outbox import OutboxMessage, OutboxStatus
from .step import STEP_KEY

DEFAULT_DOMAIN = "demo.clientflow.test"
DELIVERY_USER = "clientflow:outbox"
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class DeliveryScope:
    """The step info of a delivery result: only outbox updates, recorded for the queuing step."""

    instance_id: str
    task_id: str
    user: str | None = DELIVERY_USER
    only_writes: frozenset[tuple[str, str]] = frozenset({(OutboxMessage.__tablename__, "update")})


def new_message_id(domain: str = DEFAULT_DOMAIN) -> str:
    """A globally unique RFC 5322 Message-ID, e.g. ``<3f2a...@demo.clientflow.test>``."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def queued(session: Session, limit: int = 100, now: datetime | None = None) -> list[OutboxMessage]:
    """Messages due for delivery, oldest first, locked for this transaction.

    Due means queued and not held back by a retry time in the future. Rows
    another transaction has locked are skipped, not waited for.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    moment = now or utcnow()
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.QUEUED,
            sa.or_(
                OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= moment
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def mark_sent(
    session: Session, message_id: int, at: datetime, provider_id: str | None = None
) -> OutboxMessage:
    """Record a delivery: status ``sent``, when, and the provider's id for the message."""
    message = _get(session, message_id)
    with delivery_scope(session, message):
        message.status = OutboxStatus.SENT
        message.sent_at = at
        message.attempts += 1
        message.last_error = None
        message.next_attempt_at = None
        message.provider_id = provider_id
    return message


def mark_failed(
    session: Session, message_id: int, error: str, retry_at: datetime | None = None
) -> OutboxMessage:
    """Record a failed attempt: queued again from ``retry_at``, or ``failed`` for good if None."""
    message = _get(session, message_id)
    with delivery_scope(session, message):
        message.attempts += 1
        message.last_error = error[:MAX_ERROR_LENGTH]
        message.next_attempt_at = retry_at
        message.status = OutboxStatus.QUEUED if retry_at is not None else OutboxStatus.FAILED
    return message


class NotFailedError(CrmError, ValueError):
    """Only a message that failed for good can be queued again: others are sent or on their way."""

    def __init__(self, message_id: int, status: str) -> None:
        self.message_id = message_id
        self.status = status
        super().__init__(
            f"outbox message {message_id} is {status}, not failed: only a failed message"
            " can be queued again"
        )


def requeue(session: Session, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """Queue a message that failed for good again, due now, with a fresh set of attempts.

    An operator does this after fixing the cause (a mail server down, a wrong
    address). ``last_error`` stays until the next attempt replaces or clears it,
    so the reason is still in sight while the message waits.
    """
    message = _get(session, message_id)
    if message.status != OutboxStatus.FAILED:
        raise NotFailedError(message_id, str(message.status))
    with delivery_scope(session, message):
        message.status = OutboxStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = now or utcnow()
    return message


def find_by_message_ids(session: Session, message_ids: Iterable[str]) -> OutboxMessage | None:
    """The newest outbox message with one of these Message-IDs (a reply's threading headers)."""
    ids = [mid.strip() for mid in message_ids if mid and mid.strip()]
    if not ids:
        return None
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.message_id.in_(ids))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


@contextmanager
def delivery_scope(session: Session, message: OutboxMessage) -> Iterator[DeliveryScope]:
    """Permit updates of outbox rows for the block, and flush them before it ends.

    Inside a real step (a handler marking a message) the step's own info is
    kept: it already permits the write and names the right task.
    """
    current = session.info.get(STEP_KEY)
    scope = DeliveryScope(message.instance_id or "", message.task_id or "")
    if current is not None:
        yield scope
        return
    session.info[STEP_KEY] = scope
    try:
        yield scope
        session.flush()
    finally:
        session.info.pop(STEP_KEY, None)


def _get(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFoundError("outbox message", message_id)
    return message
