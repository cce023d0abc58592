"""Click-to-call: journal the request, ask the provider, keep its call id.

The request is committed before the provider is asked, so every call a provider
places has a record, and a refusal is recorded with its reason. The status hooks
that follow find the call by ``(source, call_id)``, which tells correlation the
customer, contact and employee (:mod:`integrations.correlate_calls`): the number a
provider reports may be the agent's line, not the customer's.

Two guards keep one click one call. While an employee's call to a customer is
still being placed, ringing or talking (and at most :data:`GUARD` after it was
requested: status hooks may never come), another call by them to that customer
is refused with :class:`CallInProgress`; the check and the new record are one
transaction, serialised per customer. A request that carries a key (the API's
``Idempotency-Key``) is recorded under it: a repeat returns the call the first
one placed, and places nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import Database
from engine.models import utcnow

from .errors import CallInProgress
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
GUARD = timedelta(minutes=2)
"""How long an unfinished call blocks another by the same employee to the same customer."""
IN_FLIGHT = (CallStatus.REQUESTED, CallStatus.PLACED, CallStatus.RINGING, CallStatus.ANSWERED)
LOCK_SPACE = 0x43414C4C  # "CALL": the advisory-lock namespace of the per-customer guard


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
    request_key: str | None = None
    """The caller's key for this request (scoped to them): a repeat places nothing."""


@dataclass(frozen=True)
class Placed:
    """Our record's id and what the provider answered; ``order`` as recorded, and
    ``repeated`` when a request with the same key had placed it already."""

    id: int
    call: PlacedCall
    order: CallOrder
    repeated: bool = False


def place(db: Database, provider: CallProvider, order: CallOrder) -> Placed:
    """Record the request, have ``provider`` place it, record its call id.

    Raises :class:`CallInProgress` when the employee is already calling the
    customer, and :class:`ProviderError` (the request recorded as refused, with
    the reason) when the provider refuses, cannot be reached or fails in any
    other way. A repeat of a keyed request answers as the first did.
    """
    reference = _reference(order.request_key)
    row_id, earlier = _record_request(db, provider, order, reference)
    if earlier is not None:
        return _repeat(earlier, order)
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
    return Placed(row_id, placed, order)


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


def _record_request(
    db: Database, provider: CallProvider, order: CallOrder, ref: str
) -> tuple[int, dict[str, Any] | None]:
    """``(id, None)`` for a new record; ``(id, the first call)`` for a keyed repeat.

    Raises :class:`CallInProgress` if the employee's last call to the customer is
    still under way. One transaction, locked per customer, so two clicks that
    arrive together cannot both pass the check.
    """
    with db.session() as session:
        _lock_customer(db, session, order.customer_id)
        if order.request_key is not None:
            first = session.scalars(
                sa.select(OutboundCall).where(OutboundCall.reference == ref)
            ).first()
            if first is not None:
                return int(first.id), summary(first)
        busy = _call_under_way(session, order)
        if busy is not None:
            raise CallInProgress(
                f"{order.employee} is already calling customer {order.customer_id}"
                f" ({busy.phone}, call {busy.id} is {busy.status}): wait for it to end"
                " before calling again",
                summary(busy),
            )
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
        session.add(row)
        session.flush()
        return int(row.id), None


def _call_under_way(session: Session, order: CallOrder) -> OutboundCall | None:
    return session.scalars(
        sa.select(OutboundCall)
        .where(
            OutboundCall.customer_id == order.customer_id,
            OutboundCall.employee == order.employee,
            OutboundCall.status.in_(IN_FLIGHT),
            OutboundCall.requested_at >= utcnow() - GUARD,
        )
        .order_by(OutboundCall.id.desc())
        .limit(1)
    ).first()


def _lock_customer(db: Database, session: Session, customer_id: int) -> None:
    """Serialise call requests to one customer until this transaction ends (PostgreSQL;
    SQLite's ``BEGIN IMMEDIATE`` already serialises every writer)."""
    if db.is_sqlite:
        return
    session.execute(
        sa.text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:key AS integer))"),
        {"space": LOCK_SPACE, "key": customer_id},
    )


def _reference(request_key: str | None) -> str:
    """Our id of the request: random, or fixed by the caller's key (64 hex, never a uuid's 32)."""
    if request_key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(request_key.encode()).hexdigest()


def _repeat(first: dict[str, Any], order: CallOrder) -> Placed:
    """The answer to a keyed repeat: the first request's call, or its refusal again."""
    same = (first["customer_id"], first["phone"]) == (order.customer_id, order.phone)
    if not same:
        raise CallInProgress(
            "that request key was already used for a call to another number;"
            " send a new key with each new call",
            first,
        )
    if first["status"] == CallStatus.REFUSED:
        raise ProviderError(first["error"] or "the provider refused the call")
    if first["call_id"] is None:
        raise CallInProgress(
            "the first request with that key is still being placed; try again shortly", first
        )
    recorded = replace(
        order,
        contact_id=first["contact_id"],
        agent=first["agent"],
        task_id=first["task_id"],
    )
    call = PlacedCall(first["provider"], first["call_id"], first["status"])
    return Placed(first["id"], call, recorded, repeated=True)


def _refused(db: Database, row_id: int, error: str) -> None:
    _update(db, row_id, status=CallStatus.REFUSED, error=error[:ERROR_CHARS])


def _update(db: Database, row_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(sa.update(OutboundCall).where(OutboundCall.id == row_id).values(**values))
