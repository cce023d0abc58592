"""crm.open_case and crm.close_case: numbered cases with SLA due dates, closed with a score."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.models import Case, CaseStatus
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run, written_by
from .seeds import seed_case, seed_contact, seed_customer

DUE = {"first_response_due": "2026-03-02T13:00:00+03:00", "resolution_due": "2026-03-04T18:00:00Z"}


def _open(engine: Engine, customer_id: int, contact_id: int | None, **extra: Any) -> dict:
    data = {
        "customer_id": customer_id,
        "contact_id": contact_id,
        "subject": "Invoice is wrong",
        "priority": "high",
        **DUE,
    }
    return run(engine, "open_case", {**data, **extra})


def test_open_case_numbers_it_and_keeps_the_sla(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine)

    outcome = _open(engine, customer_id, contact_id)

    opened = result(outcome)
    assert opened["number"] == "CASE-000001" and opened["priority"] == "high"
    assert opened["first_response_due"] == "2026-03-02T10:00:00+00:00"
    case = get(engine, Case, opened["case_id"])
    assert case.resolution_due == datetime(2026, 3, 4, 18, tzinfo=UTC)
    assert (case.status, case.contact_id) == (CaseStatus.NEW, contact_id)
    assert_recorded(engine, outcome, Case, case.id, "insert")
    second = result(_open(engine, customer_id, None))
    assert second["number"] == "CASE-000002"


def test_open_case_refuses_a_contact_of_another_customer(engine: Engine) -> None:
    _, contact_id = seed_contact(engine)
    other_customer = seed_customer(engine, name="Orion JSC")

    outcome = _open(engine, other_customer, contact_id)

    assert f"field 'contact_id': contact {contact_id} belongs to another customer" in incident(
        engine, outcome
    )
    assert count(engine, Case) == 0


def test_open_case_refuses_a_resolution_due_before_first_response(engine: Engine) -> None:
    customer_id = seed_customer(engine)

    outcome = _open(engine, customer_id, None, resolution_due="2026-03-01T00:00:00Z")

    assert "field 'resolution_due': must not be before first_response_due" in incident(
        engine, outcome
    )
    assert count(engine, Case) == 0


def test_close_case_keeps_the_satisfaction_score(engine: Engine) -> None:
    case_id = seed_case(engine)

    outcome = run(
        engine, "close_case", {"case_id": case_id, "satisfaction": 4, "resolution": "Refunded"}
    )

    closed = result(outcome)
    assert (closed["status"], closed["satisfaction"]) == ("closed", 4)
    case = get(engine, Case, case_id)
    assert case.closed_at is not None and case.resolved_at is not None
    assert case.resolution == "Refunded"
    entry = assert_recorded(engine, outcome, Case, case_id, "update")
    assert entry.changes["satisfaction"] == {"old": None, "new": 4}


def test_close_case_refuses_a_score_out_of_range(engine: Engine) -> None:
    case_id = seed_case(engine)

    outcome = run(engine, "close_case", {"case_id": case_id, "satisfaction": 7, "resolution": None})

    assert "field 'satisfaction': Must be greater than or equal to 1" in incident(engine, outcome)
    assert get(engine, Case, case_id).status == CaseStatus.NEW
    assert written_by(engine, Case, case_id) == []


def test_close_case_refuses_a_closed_case(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.CLOSED)

    outcome = run(engine, "close_case", {"case_id": case_id, "satisfaction": 5, "resolution": None})

    assert "case CASE-900001 is already closed" in incident(engine, outcome)
