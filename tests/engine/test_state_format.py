"""Stored instance state: the compact format written now, and the format written before it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

from engine import Engine, _state, add_user
from engine.models import Instance

from ..conftest import bundle

SIMPLE = ("simple.bpmn", "enter.json", "approve.json")


def _org(engine: Engine) -> Engine:
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "boris", groups=["sales_managers"])
    engine.deploy(bundle(*SIMPLE))
    return engine


def _stored(engine: Engine, instance_id: str) -> str:
    with engine.session() as session:
        state = session.scalar(sa.select(Instance.state).where(Instance.id == UUID(instance_id)))
    assert state is not None
    return state


def _format_1(engine: Engine, instance_id: str) -> str:
    """The instance's state as the previous release stored it: Spiff's dicts, minus the spec."""
    detail_version = engine.instance(instance_id)["version_id"]
    with engine.session() as session:
        version = engine.rt.version(session, detail_version)
    workflow = _state.loads(_stored(engine, instance_id), version, engine.rt.script_engine)
    state: dict[str, Any] = BpmnWorkflowSerializer(_state._REGISTRY).to_dict(workflow)
    for key in ("spec", "subprocess_specs", "serializer_version"):
        state.pop(key, None)
    state["format"] = 1
    return json.dumps(state)


def test_a_small_instance_is_stored_compactly(engine: Engine) -> None:
    """Below PostgreSQL's 2 KB threshold, so the server stores the row without compressing it."""
    inst = _org(engine).start("simple", {"owner": "anna", "company": "X"})
    stored = json.loads(_stored(engine, inst["id"]))
    assert stored["format"] == 2
    assert len(_stored(engine, inst["id"])) < 1500
    assert isinstance(stored["tasks"], list)


def test_an_instance_stored_in_format_1_runs_on(engine: Engine) -> None:
    org = _org(engine)
    inst = org.start("simple", {"owner": "anna", "company": "X"})
    old = _format_1(org, inst["id"])
    with org.session() as session:
        session.execute(
            sa.update(Instance).where(Instance.id == UUID(inst["id"])).values(state=old)
        )
    assert json.loads(_stored(org, inst["id"]))["format"] == 1
    [item] = org.tasks("anna")
    result = org.complete_task(item["id"], {"amount": 600}, user="anna")
    assert result["data"]["total"] == 1200
    assert json.loads(_stored(org, inst["id"]))["format"] == 2
    assert [t["task"] for t in org.tasks("boris", scope="group")] == ["approve"]


def test_registered_types_survive_in_deltas(engine: Engine) -> None:
    """A child task keeps only what changed against its parent; Decimal and date included."""
    org = _org(engine)
    inst = org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("anna")
    org.complete_task(item["id"], {"amount": Decimal("600.10")}, user="anna")
    assert [t["task"] for t in org.tasks("boris", scope="group")] == ["approve"]
    with org.session() as session:
        version = org.rt.version(session, org.instance(inst["id"])["version_id"])
    workflow = _state.loads(_stored(org, inst["id"]), version, org.rt.script_engine)
    ready = [t for t in workflow.tasks.values() if t.task_spec.name == "approve"]
    assert ready[0].data["amount"] == Decimal("600.10")
    assert ready[0].data["total"] == Decimal("1200.20")
