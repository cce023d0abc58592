"""What failed for good on the channels: inbound events and outbound messages (read-only).

An event whose processing ran out of retries and a message whose delivery ran
out of attempts are the integrations' incidents; these queries list them for
the admins' channels page and count them for the navigation badge. They read
the journal and the outbox through the engine's session, like the instance
list, and never change a row: replaying and retrying go through
:class:`integrations.Integrations` and :mod:`integrations.outbox`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.models import Case, Customer, OutboxMessage, OutboxStatus
from engine import Engine
from integrations.models import EventStatus, IntegrationAction, IntegrationEvent

DEFAULT_LIMIT = 50
MOST = 500
BADGE_CAP = 100  # the badge says "99+" beyond this, as the inbox badges do


@dataclass(frozen=True)
class FailedEvent:
    id: int
    received_at: datetime
    source: str
    via: str
    kind: str
    sender: str | None
    attempts: int
    error: str | None
    instance_ids: list[str]  # instances its actions started or messaged before it failed


@dataclass(frozen=True)
class FailedMessage:
    id: int
    created_at: datetime
    channel: str
    recipient: str
    subject: str | None
    attempts: int
    error: str | None
    customer_id: int | None
    customer_name: str | None
    case_number: str | None
    instance_id: str | None  # the instance whose step queued it


@dataclass(frozen=True)
class Listing:
    """The newest ``items`` of ``total`` failed ones."""

    items: list[Any]
    total: int


def failed_events(engine: Engine, limit: int = DEFAULT_LIMIT) -> Listing:
    """Events whose processing failed for good, newest first, with the instances they reached."""
    failed = IntegrationEvent.status == EventStatus.FAILED
    query = sa.select(IntegrationEvent).where(failed).order_by(IntegrationEvent.id.desc())
    with engine.session() as session:
        rows = list(session.scalars(query.limit(limit)))
        reached = _instances_reached(session, rows)
        items = [
            FailedEvent(
                id=e.id,
                received_at=e.received_at,
                source=e.source,
                via=e.via,
                kind=e.kind,
                sender=e.sender,
                attempts=e.attempts,
                error=e.error,
                instance_ids=reached.get(e.id, []),
            )
            for e in rows
        ]
        total = _count(session, IntegrationEvent, failed)
    return Listing(items, total)


def failed_messages(engine: Engine, limit: int = DEFAULT_LIMIT) -> Listing:
    """Outbound messages whose delivery failed for good, newest first, with case and customer."""
    failed = OutboxMessage.status == OutboxStatus.FAILED
    query = (
        sa.select(OutboxMessage, Case.number, Customer.name)
        .outerjoin(Case, Case.id == OutboxMessage.case_id)
        .outerjoin(Customer, Customer.id == OutboxMessage.customer_id)
        .where(failed)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    with engine.session() as session:
        items = [
            FailedMessage(
                id=m.id,
                created_at=m.created_at,
                channel=str(m.channel),
                recipient=m.recipient,
                subject=m.subject,
                attempts=m.attempts,
                error=m.last_error,
                customer_id=m.customer_id,
                customer_name=customer,
                case_number=case,
                instance_id=m.instance_id,
            )
            for m, case, customer in session.execute(query)
        ]
        total = _count(session, OutboxMessage, failed)
    return Listing(items, total)


def failure_count(engine: Engine) -> int:
    """Failed events plus failed messages, each counted up to :data:`BADGE_CAP` (cheap)."""
    with engine.session() as session:
        return sum(
            _count(session, model, condition, cap=BADGE_CAP)
            for model, condition in (
                (IntegrationEvent, IntegrationEvent.status == EventStatus.FAILED),
                (OutboxMessage, OutboxMessage.status == OutboxStatus.FAILED),
            )
        )


def have_tables(engine: Engine) -> bool:
    """Whether the journal and the outbox exist (a schema made without them shows nothing)."""
    inspector = sa.inspect(engine.db.engine)
    return all(
        inspector.has_table(model.__tablename__) for model in (IntegrationEvent, OutboxMessage)
    )


def _count(session: Session, model: Any, condition: Any, cap: int | None = None) -> int:
    rows = sa.select(model.id).where(condition)
    if cap is not None:
        rows = rows.limit(cap)
    return int(session.scalar(sa.select(sa.func.count()).select_from(rows.subquery())) or 0)


def _instances_reached(session: Session, events: list[IntegrationEvent]) -> dict[int, list[str]]:
    """Per event: instance ids from its own outcome and from the actions it claimed and did."""
    found: dict[int, list[str]] = {}
    for event in events:
        for item in event.outcome or []:
            _add(found, event.id, item)
    claims = sa.select(IntegrationAction.event_id, IntegrationAction.outcome).where(
        IntegrationAction.event_id.in_([e.id for e in events]),
        IntegrationAction.outcome.is_not(None),
    )
    for event_id, outcome in session.execute(claims):
        _add(found, event_id, outcome)
    return found


def _add(found: dict[int, list[str]], event_id: int, outcome: Any) -> None:
    """Keep ``outcome["instance_id"]`` when it is a real instance id, once."""
    if not isinstance(outcome, dict):
        return
    text = str(outcome.get("instance_id") or "")
    try:
        instance_id = str(uuid.UUID(text))
    except ValueError:
        return
    ids = found.setdefault(event_id, [])
    if instance_id not in ids:
        ids.append(instance_id)
