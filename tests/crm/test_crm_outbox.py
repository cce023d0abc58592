"""The outbox API a delivery worker uses: claim due messages, record each result.

Queued rows are written in a step (as ``mail.send`` does); the worker's calls
run outside any step, which the delivery scope permits for outbox updates only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Customer, OutboxMessage, OutboxStatus
from tests.crm.conftest import StepStub, in_step

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STEP = StepStub(instance_id="inst-mail", task_id="task-send", user="gleb")


def _queue(session: Session, count: int = 1) -> list[int]:
    with in_step(session, STEP):
        rows = [
            OutboxMessage(
                recipient=f"to{n}@example.com",
                subject=f"#{n}",
                body_text="hello",
                message_id=crm.outbox.new_message_id("test.example"),
                instance_id=STEP.instance_id,
                task_id=STEP.task_id,
            )
            for n in range(count)
        ]
        session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def test_message_ids_are_unique_and_well_formed() -> None:
    ids = {crm.outbox.new_message_id("mail.example.org") for _ in range(100)}

    assert len(ids) == 100
    assert all(i.startswith("<") and i.endswith("@mail.example.org>") for i in ids)


def test_queued_gives_due_messages_oldest_first(session: Session) -> None:
    first, second, third = _queue(session, 3)

    assert [m.id for m in crm.outbox.queued(session, limit=2, now=NOW)] == [first, second]
    assert [m.id for m in crm.outbox.queued(session, now=NOW)] == [first, second, third]
    with pytest.raises(ValueError, match="limit"):
        crm.outbox.queued(session, limit=0)


def test_mark_sent_is_recorded_for_the_step_that_queued(session: Session) -> None:
    [message_id] = _queue(session)

    crm.outbox.mark_sent(session, message_id, NOW, provider_id="250 OK id=1")
    session.commit()

    message = session.get(OutboxMessage, message_id)
    assert message is not None
    assert (message.status, message.sent_at, message.attempts) == (OutboxStatus.SENT, NOW, 1)
    assert crm.outbox.queued(session, now=NOW) == []
    latest, created = crm.history(session, OutboxMessage, message_id)
    assert (latest.instance_id, latest.task_id, latest.username) == (
        "inst-mail",
        "task-send",
        crm.outbox.DELIVERY_USER,
    )
    assert latest.changes["status"] == {"old": "queued", "new": "sent"}
    assert created.username == "gleb"


def test_a_failure_with_a_retry_time_waits_then_comes_back(session: Session) -> None:
    [message_id] = _queue(session)
    retry_at = NOW + timedelta(minutes=5)

    crm.outbox.mark_failed(session, message_id, "421 try again later", retry_at)
    session.commit()

    assert crm.outbox.queued(session, now=NOW) == []
    [again] = crm.outbox.queued(session, now=retry_at)
    assert (again.status, again.attempts, again.last_error) == (
        OutboxStatus.QUEUED,
        1,
        "421 try again later",
    )


def test_a_failure_without_a_retry_time_is_final(session: Session) -> None:
    [message_id] = _queue(session)

    message = crm.outbox.mark_failed(session, message_id, "550 no such user " + "x" * 5000)
    session.commit()

    assert message.status is OutboxStatus.FAILED
    assert len(message.last_error or "") == crm.outbox.MAX_ERROR_LENGTH
    assert crm.outbox.queued(session, now=NOW + timedelta(days=1)) == []


def test_the_delivery_scope_permits_nothing_else(session: Session) -> None:
    [message_id] = _queue(session)
    with in_step(session):
        customer = Customer(name="Vega LLC")
        session.add(customer)
    session.commit()

    customer.name = "Renamed outside a step"
    with pytest.raises(crm.OutsideProcessError) as raised:
        crm.outbox.mark_sent(session, message_id, NOW)
    assert raised.value.table == "crm_customer"
    session.rollback()

    with pytest.raises(crm.OutsideProcessError):  # and no new outbox rows either
        session.add(OutboxMessage(recipient="x@example.com", message_id="<x@example.com>"))
        session.flush()


def test_marking_an_unknown_message_is_not_found(session: Session) -> None:
    with pytest.raises(crm.NotFoundError, match="no outbox message with id 404"):
        crm.outbox.mark_sent(session, 404, NOW)


def test_two_workers_never_claim_the_same_message(session: Session, engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite serialises writers instead")
    first, second = _queue(session, 2)

    with Session(engine) as worker_a, Session(engine) as worker_b:
        claimed_a = [m.id for m in crm.outbox.queued(worker_a, limit=1, now=NOW)]
        claimed_b = [m.id for m in crm.outbox.queued(worker_b, limit=5, now=NOW)]
        crm.outbox.mark_sent(worker_a, claimed_a[0], NOW)
        worker_a.commit()
        worker_b.rollback()

    assert (claimed_a, claimed_b) == ([first], [second])
