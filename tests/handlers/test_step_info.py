"""The engine tells the CRM which step writes, so the history names instance, task and user."""

from __future__ import annotations

import uuid

from crm.models import Case, Lead
from engine import Engine

from .conftest import deploy, incident, run, written_by
from .seeds import seed_contact, seed_customer


def test_history_names_the_service_task_that_wrote(engine: Engine) -> None:
    """The public API names a service task only in an incident: fail, then retry that task."""
    customer_id = seed_customer(engine)
    data = {
        "customer_id": 999,
        "contact_id": None,
        "subject": "Broken",
        "priority": "low",
        "first_response_due": None,
        "resolution_due": None,
    }
    failed = run(engine, "open_case", data)
    assert "field 'customer_id': no customer with id 999" in incident(engine, failed)
    [failure] = engine.instance(failed["id"])["incidents"]

    retried = engine.retry(failed["id"], user="ivan", data={"customer_id": customer_id})

    assert retried["status"] == "completed"
    [entry] = written_by(engine, Case, retried["data"]["result"]["case_id"])
    assert (entry.instance_id, entry.task_id, entry.username) == (
        failed["id"],
        failure["task_id"],
        "ivan",
    )


def test_each_service_task_records_its_own_task_id(engine: Engine) -> None:
    seed_contact(engine, "+79215550102")
    deploy(engine, "lead_intake.bpmn")

    outcome = engine.start("t_lead_intake", {"first_name": "Anna", "phone": "+79215550102"}, "olga")

    assert outcome["status"] == "completed", outcome["incident"]
    assert outcome["data"]["dedup"]["duplicate"] is True
    [deduped, created] = written_by(engine, Lead, outcome["data"]["created"]["lead_id"])
    assert (created.action, deduped.action) == ("insert", "update")
    assert created.instance_id == deduped.instance_id == outcome["id"]
    assert created.username == deduped.username == "olga"
    assert created.task_id != deduped.task_id
    assert all(uuid.UUID(entry.task_id) for entry in (created, deduped))
