"""Every CRM model can be inserted, updated and deleted by a handler in a real engine step,
and each write is in the change history with the instance, the service task and the user.

(tests/crm/test_crm_guard.py shows the same writes refused outside a step.) The
operator here is a test stand-in that writes whatever model it is told to, so a
new model is covered without touching this file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import crm
from crm.models import Change
from engine import Engine, StepContext
from tests.conftest import make_crm_engine
from tests.crm.rows import build_row, change_something, crm_models

MODELS = {model.__tablename__: model for model in crm_models() if model is not Change}
USER = "maria"
TASKS = ("insert", "update", "delete")


def _row_id(row: crm.Base) -> str:
    return "|".join(str(part) for part in sa.inspect(row).identity or ())


def _pk(model: type[crm.Base], row_id: str | None) -> Any:
    """The primary key from its text form, typed as the column is."""
    [column] = sa.inspect(model).primary_key
    return int(str(row_id)) if column.type.python_type is int else row_id


def touch(ctx: StepContext, table: str, action: str, row_id: str | None = None) -> dict[str, Any]:
    """Insert a row of ``table``, or update or delete the row ``row_id``."""
    model = MODELS[table]
    session = ctx.session
    if action == "insert":
        row = build_row(session, model)
        session.flush()
        return {"row_id": _row_id(row)}
    found = session.get(model, _pk(model, row_id))
    assert found is not None, (table, row_id)
    if action == "update":
        return {"row_id": row_id, "field": change_something(found)}
    session.delete(found)
    return {"row_id": row_id}


def _service_task(action: str, incoming: str, outgoing: str) -> str:
    value = "insert_result[&quot;row_id&quot;]"
    row_id = (
        ""
        if action == "insert"
        else f'<spiffworkflow:parameter id="row_id" type="any" value="{value}" />'
    )
    return f"""
    <bpmn:serviceTask id="{action}" name="{action}">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="test.touch" resultVariable="{action}_result">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="table" type="any" value="table" />
            <spiffworkflow:parameter id="action" type="any" value="&quot;{action}&quot;" />
            {row_id}
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>{incoming}</bpmn:incoming>
      <bpmn:outgoing>{outgoing}</bpmn:outgoing>
    </bpmn:serviceTask>"""


BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_t_touch"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="t_touch" name="Insert, update and delete one row" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    {_service_task("insert", "f0", "f1")}
    {_service_task("update", "f1", "f2")}
    {_service_task("delete", "f2", "f3")}
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="insert" />
    <bpmn:sequenceFlow id="f1" sourceRef="insert" targetRef="update" />
    <bpmn:sequenceFlow id="f2" sourceRef="update" targetRef="delete" />
    <bpmn:sequenceFlow id="f3" sourceRef="delete" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def touching_engine(db_url: str) -> Iterator[Engine]:
    engine = make_crm_engine(db_url, {"test.touch": touch})
    engine.deploy({"touch.bpmn": BPMN})
    yield engine
    engine.db.dispose()


def test_every_model_is_written_in_a_step_and_recorded(touching_engine: Engine) -> None:
    for table, model in MODELS.items():
        outcome = touching_engine.start("t_touch", {"table": table}, USER)

        assert outcome["status"] == "completed", (table, outcome["incident"])
        row_id = outcome["data"]["insert_result"]["row_id"]
        with touching_engine.session() as session:
            assert session.get(model, _pk(model, row_id)) is None
            entries = crm.history(session, model, row_id)
            ours = [e for e in entries if e.instance_id == outcome["id"]]
            assert [str(e.action) for e in ours] == ["delete", "update", "insert"], table
            assert {e.username for e in ours} == {USER}
            task_ids = {e.task_id for e in ours}
            assert len(task_ids) == 3 and outcome["id"] not in task_ids, table
            assert all(uuid.UUID(task_id) for task_id in task_ids)
            field = outcome["data"]["update_result"]["field"]
            assert field in ours[1].changes, (table, field)
