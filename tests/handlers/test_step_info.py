"""The engine tells the CRM which step writes, so the history names instance, task and user."""

from __future__ import annotations

import re
import uuid

from crm.models import Case, Change, Customer, Lead
from engine import Engine, StepContext
from tests.conftest import make_crm_engine

from .conftest import BPMN, count, deploy, incident, run, written_by
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


def _write_then_fail(ctx: StepContext, name: str, fail: bool) -> dict[str, int]:
    """A test operator: writes a customer, then fails if told to (after the flush)."""
    customer = Customer(name=name)
    ctx.session.add(customer)
    ctx.session.flush()
    if fail:
        raise RuntimeError(f"failed after writing customer {customer.id}")
    return {"customer_id": customer.id}


def test_a_failed_step_leaves_no_crm_row_and_a_retry_writes_it_once(db_url: str) -> None:
    engine = make_crm_engine(db_url, {"test.write_then_fail": _write_then_fail})
    template = (BPMN / "send_mail.bpmn").read_text()
    bpmn = re.sub(
        r"<spiffworkflow:parameters>.*</spiffworkflow:parameters>",
        '<spiffworkflow:parameters><spiffworkflow:parameter id="name" type="any" value="name" />'
        '<spiffworkflow:parameter id="fail" type="any" value="fail" /></spiffworkflow:parameters>',
        template.replace('"mail.send"', '"test.write_then_fail"'),
        flags=re.S,
    )
    try:
        engine.deploy({"write_then_fail.bpmn": bpmn})

        failed = engine.start("t_send_mail", {"name": "Half Done LLC", "fail": True}, "olga")

        assert "failed after writing customer" in incident(engine, failed)
        assert count(engine, Customer) == 0
        assert count(engine, Change, Change.instance_id == failed["id"]) == 0
        retried = engine.retry(failed["id"], user="olga", data={"fail": False})
        assert retried["status"] == "completed"
        assert count(engine, Customer) == 1
        [entry] = written_by(engine, Customer, retried["data"]["result"]["customer_id"])
        assert entry.instance_id == failed["id"]
    finally:
        engine.db.dispose()
