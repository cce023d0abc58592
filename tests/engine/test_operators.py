"""Service tasks: operators write in the step's transaction, in a savepoint of their own."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from engine import Engine, OperatorError, OperatorRegistry, StepContext

from ..conftest import make_engine
from .test_deploy import SERVICE

NOTES = sa.Table(
    "test_note",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.String(100)),
    sa.Column("task_id", sa.String(64)),
)


def _engine(db_url: str, func: Any) -> tuple[Engine, list[str]]:
    sent: list[str] = []
    ops = OperatorRegistry()
    ops.add("crm.nothing_here", func)
    engine = make_engine(db_url, ops)
    NOTES.create(engine.db.engine)
    engine.deploy({"svc.bpmn": SERVICE})
    return engine, sent


def _notes(engine: Engine) -> list[str]:
    with engine.session() as s:
        return [r.text for r in s.execute(sa.select(NOTES)).all()]


def test_operator_writes_commit_with_step_and_after_commit_runs(db_url: str) -> None:
    calls: list[str] = []

    def write(ctx: StepContext) -> dict[str, Any]:
        ctx.session.execute(sa.insert(NOTES).values(text="hello", task_id=ctx.task_id))
        ctx.after_commit.append(lambda: calls.append(f"sent for {ctx.task_name}"))
        return {"written": 1}

    engine, _ = _engine(db_url, write)
    result = engine.start("svc")
    assert result["status"] == "completed"
    assert _notes(engine) == ["hello"]
    assert calls == ["sent for call_crm"]


def test_failing_operator_leaves_no_write_and_an_incident(db_url: str) -> None:
    def half_write(ctx: StepContext) -> None:
        ctx.session.execute(sa.insert(NOTES).values(text="half", task_id=ctx.task_id))
        raise OperatorError("the CRM refused: customer is archived")

    engine, _ = _engine(db_url, half_write)
    result = engine.start("svc")
    assert result["status"] == "incident"
    assert _notes(engine) == []
    [incident] = engine.instance(result["id"])["incidents"]
    assert incident["task"] == "call_crm"
    assert "customer is archived" in incident["message"]


def test_operator_bug_becomes_incident_not_crash(db_url: str) -> None:
    def buggy(ctx: StepContext) -> None:
        raise KeyError("missing")

    engine, _ = _engine(db_url, buggy)
    assert engine.start("svc")["status"] == "incident"


def test_registry_refuses_bad_names_and_twins() -> None:
    ops = OperatorRegistry()
    with pytest.raises(ValueError, match="dotted lower-case"):
        ops.add("CreateLead", lambda ctx: None)
    ops.add("crm.create_lead", lambda ctx: None)
    with pytest.raises(ValueError, match="already registered"):
        ops.add("crm.create_lead", lambda ctx: None)
    with pytest.raises(ValueError, match="step context"):
        ops.add("crm.other", lambda: None)
