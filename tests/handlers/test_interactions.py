"""crm.log_interaction: the customer's timeline, once per provider id."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from crm.models import Interaction, InteractionKind
from engine import Engine
from handlers.interactions import record_once

from .conftest import assert_recorded, count, get, incident, result, run, seeding
from .seeds import seed_case, seed_contact, seed_customer, seed_deal, seed_lead

CALL = {
    "kind": "call",
    "direction": "in",
    "subject": "Asked for a quote",
    "external_id": "tel-1",
    **dict.fromkeys(("case_id", "deal_id", "lead_id", "sender", "recipients")),
}


def _log(engine: Engine, contact_id: int, **changes: Any) -> dict[str, Any]:
    return run(engine, "log_interaction", {**CALL, "contact_id": contact_id, **changes})


def test_log_interaction_records_it_on_the_customers_timeline(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine)

    outcome = _log(engine, contact_id)

    logged = result(outcome)
    assert logged["created"] is True and logged["customer_id"] == customer_id
    row = get(engine, Interaction, logged["interaction_id"])
    assert (row.kind, row.direction, row.employee) == ("call", "in", "olga")
    assert row.instance_id == outcome["id"] and row.task_id
    entry = assert_recorded(engine, outcome, Interaction, row.id, "insert")
    assert entry.task_id == row.task_id


def test_log_interaction_is_idempotent_on_external_id(engine: Engine) -> None:
    _, contact_id = seed_contact(engine)
    first = result(_log(engine, contact_id))

    again = result(_log(engine, contact_id, subject="delivered twice", sender="+79215550102"))

    assert again == {**first, "created": False}
    assert count(engine, Interaction) == 1
    row = get(engine, Interaction, first["interaction_id"])
    assert (row.subject, row.sender) == ("Asked for a quote", "+79215550102")  # gaps filled only


def test_log_interaction_refuses_an_unknown_kind(engine: Engine) -> None:
    _, contact_id = seed_contact(engine)

    outcome = _log(engine, contact_id, kind="fax")

    assert "field 'kind': Must be one of: call, email, meeting, note, sms" in incident(
        engine, outcome
    )
    assert count(engine, Interaction) == 0


def test_log_interaction_names_a_missing_contact(engine: Engine) -> None:
    outcome = _log(engine, 999)

    assert "field 'contact_id': no contact with id 999" in incident(engine, outcome)
    assert count(engine, Interaction) == 0


def test_log_interaction_links_everything_and_keeps_the_numbers(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine)
    case_id = seed_case(engine, customer_id=customer_id)
    deal_id = seed_deal(engine, customer_id=customer_id)
    lead_id = seed_lead(engine, customer_id=customer_id)

    outcome = _log(engine, contact_id, case_id=case_id, deal_id=deal_id, lead_id=lead_id,
                   sender="+79215550102", recipients=["+74950000000"])  # fmt: skip

    row = get(engine, Interaction, result(outcome)["interaction_id"])
    assert (row.customer_id, row.contact_id) == (customer_id, contact_id)
    assert (row.case_id, row.deal_id, row.lead_id) == (case_id, deal_id, lead_id)
    assert (row.sender, row.recipients) == ("+79215550102", ["+74950000000"])
    assert row.instance_id == outcome["id"] and row.task_id


@pytest.mark.parametrize("link", ["case_id", "deal_id"])
def test_log_interaction_finds_the_customer_from_a_case_or_deal(engine: Engine, link: str) -> None:
    customer_id = seed_customer(engine)
    record_id = (seed_case if link == "case_id" else seed_deal)(engine, customer_id=customer_id)

    outcome = run(engine, "log_interaction", {**CALL, "contact_id": None, link: record_id})

    assert result(outcome)["customer_id"] == customer_id


def test_log_interaction_refuses_links_to_two_customers(engine: Engine) -> None:
    _, contact_id = seed_contact(engine)
    other_case = seed_case(engine, customer_id=seed_customer(engine, name="Orion"))

    outcome = _log(engine, contact_id, case_id=other_case)

    assert f"field 'case_id': case {other_case} belongs to customer" in incident(engine, outcome)
    assert count(engine, Interaction) == 0


def test_two_steps_recording_one_call_at_the_same_moment_leave_one_row(engine: Engine) -> None:
    """The first writer's row is not committed when the second looks for it: the second
    waits on the unique ``external_id``, rolls back to its savepoint, completes the row."""
    if engine.db.is_sqlite:
        pytest.skip("SQLite serialises writers: two steps never insert at the same moment")
    _, contact_id = seed_contact(engine)
    second: dict[str, Any] = {}
    started = threading.Event()

    def second_writer() -> None:
        try:
            with seeding(engine) as session:
                second["pid"] = session.scalar(sa.text("select pg_backend_pid()"))
                started.set()
                p = {"kind": InteractionKind.CALL, "subject": "second", "external_id": "tel-1",
                     "contact_id": contact_id, "recipients": ["+74950000000"]}  # fmt: skip
                row, created = record_once(session, p, employee=None)
                second["outcome"] = (row.id, created)
        except Exception as exc:  # re-raised below, in the test's thread
            second["error"] = exc
            started.set()

    with seeding(engine) as first:
        row = Interaction(kind=InteractionKind.CALL, subject="first", external_id="tel-1",
                          contact_id=contact_id)  # fmt: skip
        first.add(row)
        first.flush()
        writer = threading.Thread(target=second_writer)
        writer.start()
        started.wait(10)
        _wait_until_blocked(engine, second)
        first_id = row.id
    writer.join(10)

    assert "error" not in second, second.get("error")
    assert second["outcome"] == (first_id, False)
    assert count(engine, Interaction) == 1
    kept = get(engine, Interaction, first_id)
    assert (kept.subject, kept.recipients) == ("first", ["+74950000000"])


def _wait_until_blocked(engine: Engine, writer: dict[str, Any]) -> None:
    """Until the writer's connection waits for a lock (our uncommitted row)."""
    query = sa.text("select wait_event_type from pg_stat_activity where pid = :pid")
    deadline = time.monotonic() + 10
    with engine.db.engine.connect() as conn:
        while time.monotonic() < deadline and "error" not in writer:
            if conn.scalar(query, {"pid": writer["pid"]}) == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError(f"the second writer never waited for the first: {writer}")
