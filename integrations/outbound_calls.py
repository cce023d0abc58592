"""Click-to-call: journal the request, ask the provider, keep its call id.

The request is committed before the provider is asked, so every call a provider
places has a record, and a refusal is recorded with its reason. The status hooks
that follow find the call by ``(source, call_id)``, which tells correlation the
customer, contact and employee (:mod:`integrations.correlate_calls`): the number a
provider reports may be the agent's line, not the customer's.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import Database
from engine.models import utcnow

from .models import CallStatus, OutboundCall
from .providers import CallProvider, CallRequest, PlacedCall, ProviderError

log = logging.getLogger(__name__)

ERROR_CHARS = 4000
PROGRESS = {
    CallStatus.PLACED: 0,
    CallStatus.RINGING: 1,
    CallStatus.ANSWERED: 2,
    CallStatus.ENDED: 3,
    CallStatus.MISSED: 3,
}


@dataclass(frozen=True)
class CallOrder:
    """An employee's request: call ``phone`` (E.164) of ``contact_id`` at ``customer_id``,
    ringing ``agent`` (their own line) first; ``task_id`` when placed from a task."""

    customer_id: int
    contact_id: int | None
    phone: str
    agent: str
    employee: str
    task_id: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class Placed:
    """Our record's id and what the provider answered."""

    id: int
    call: PlacedCall


def place(db: Database, provider: CallProvider, order: CallOrder) -> Placed:
    """Record the request, have ``provider`` place it, record its call id.

    Raises :class:`ProviderError` (the request recorded as refused, with the reason)
    when the provider refuses, cannot be reached or fails in any other way.
    """
    reference = uuid.uuid4().hex
    row_id = _record_request(db, provider, order, reference)
    request = CallRequest(order.phone, order.agent, reference, order.employee, order.callback_url)
    try:
        placed = provider.place_call(request)
    except ProviderError as exc:
        _refused(db, row_id, str(exc))
        raise
    except Exception as exc:  # a provider module's own bug must not become a 500
        log.exception("call provider %s failed on request %s", provider.name, reference)
        _refused(db, row_id, f"{type(exc).__name__}: {exc}")
        raise ProviderError(f"the {provider.name} provider failed: {exc}") from exc
    try:
        _update(db, row_id, status=CallStatus.PLACED, call_id=placed.call_id, placed_at=utcnow())
    except IntegrityError as exc:
        message = f"{provider.name} gave call id {placed.call_id}, which an earlier call has"
        _refused(db, row_id, message)
        raise ProviderError(message) from exc
    return Placed(row_id, placed)


def find(session: Session, source: str, call_id: str | None) -> OutboundCall | None:
    """The outbound call the status hooks of ``source`` name ``call_id``, if we placed it."""
    if not call_id:
        return None
    return session.scalars(
        sa.select(OutboundCall).where(
            OutboundCall.source == source, OutboundCall.call_id == call_id
        )
    ).first()


def advance(db: Database, row_id: int, status: str) -> None:
    """Move the call's status forward (ringing, answered, ended or missed), never back:
    providers deliver status events out of order and more than once."""
    rank = PROGRESS.get(status)  # type: ignore[call-overload]
    if rank is None:
        return
    earlier = [s for s, r in PROGRESS.items() if r < rank]
    with db.session() as session:
        session.execute(
            sa.update(OutboundCall)
            .where(OutboundCall.id == row_id, OutboundCall.status.in_(earlier))
            .values(status=status)
        )


def get(db: Database, row_id: int) -> dict[str, Any] | None:
    """The outbound call's record as plain data."""
    with db.session() as session:
        row = session.get(OutboundCall, row_id)
        return None if row is None else summary(row)


def summary(row: OutboundCall) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "call_id": row.call_id,
        "status": row.status,
        "customer_id": row.customer_id,
        "contact_id": row.contact_id,
        "phone": row.phone,
        "agent": row.agent,
        "employee": row.employee,
        "task_id": row.task_id,
        "error": row.error,
        "requested_at": row.requested_at.isoformat(),
        "placed_at": row.placed_at.isoformat() if row.placed_at else None,
    }


def _record_request(db: Database, provider: CallProvider, order: CallOrder, ref: str) -> int:
    row = OutboundCall(
        reference=ref,
        provider=provider.name[:100],
        source=provider.source,
        customer_id=order.customer_id,
        contact_id=order.contact_id,
        phone=order.phone,
        agent=order.agent[:200],
        employee=order.employee,
        task_id=order.task_id,
        status=CallStatus.REQUESTED,
        requested_at=utcnow(),
    )
    with db.session() as session:
        session.add(row)
        session.flush()
        return int(row.id)


def _refused(db: Database, row_id: int, error: str) -> None:
    _update(db, row_id, status=CallStatus.REFUSED, error=error[:ERROR_CHARS])


def _update(db: Database, row_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(sa.update(OutboundCall).where(OutboundCall.id == row_id).values(**values))
