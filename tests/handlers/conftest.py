"""Fixtures of the handler tests: an engine with ``handlers`` registered, on real databases.

Operators run the way production runs them: a BPMN service task in a started
instance, on SQLite and (with ``CLIENTFLOW_TEST_DATABASE_URL``) PostgreSQL.
Rows an operator needs but no operator writes (price lists, employees) are
seeded in a stand-in step, since the CRM refuses writes outside steps.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Change
from engine import Engine
from tests.conftest import make_crm_engine

BPMN = Path(__file__).parent / "bpmn"
USER = "olga"


@dataclass(frozen=True)
class SeedStep:
    """The step info of test seeding, so seeded rows are told apart in the history."""

    instance_id: str = "seed"
    task_id: str = "seed"
    user: str | None = "seeder"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine with every handler registered, and the engine and CRM tables."""
    eng = make_crm_engine(db_url)
    yield eng
    eng.db.dispose()


def deploy(engine: Engine, *names: str) -> None:
    """Deploy BPMN files from tests/handlers/bpmn, each its own bundle."""
    for name in names:
        engine.deploy({name: (BPMN / name).read_text()})


def run(engine: Engine, name: str, data: dict[str, Any], user: str = USER) -> dict[str, Any]:
    """Deploy ``<name>.bpmn`` and start it: its one service task calls the operator."""
    deploy(engine, f"{name}.bpmn")
    return engine.start(f"t_{name}", data, user)


def result(outcome: dict[str, Any]) -> dict[str, Any]:
    """The operator's return value, after checking the instance completed."""
    assert outcome["status"] == "completed", outcome["incident"]
    value: dict[str, Any] = outcome["data"]["result"]
    return value


def incident(engine: Engine, outcome: dict[str, Any]) -> str:
    """The message of the incident the service task raised."""
    assert outcome["status"] == "incident"
    [found] = engine.instance(outcome["id"])["incidents"]
    assert found["task"] == "call"
    message: str = found["message"]
    return message


@contextmanager
def seeding(engine: Engine) -> Iterator[Session]:
    """A committed transaction that may write CRM rows, as a step would."""
    with engine.db.session() as session:
        session.info[crm.STEP_KEY] = SeedStep()
        try:
            yield session
            session.flush()
        finally:
            session.info.pop(crm.STEP_KEY, None)


def count(engine: Engine, model: type[crm.Base], *where: Any) -> int:
    with engine.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)))


def get(engine: Engine, model: type[crm.Base], record_id: int) -> Any:
    with engine.session() as session:
        return session.get(model, record_id)


def written_by(engine: Engine, model: type[crm.Base], record_id: int) -> list[Change]:
    """The record's history entries written by processes (seeding left out), newest first."""
    with engine.session() as session:
        return [c for c in crm.history(session, model, record_id) if c.instance_id != "seed"]


def assert_recorded(
    engine: Engine, outcome: dict[str, Any], model: type[crm.Base], record_id: int, action: str
) -> Change:
    """The record's newest process write came from this instance, its service task, its user."""
    entries = written_by(engine, model, record_id)
    assert entries, f"no history for {model.__name__} {record_id}"
    latest = entries[0]
    assert latest.instance_id == outcome["id"]
    assert latest.username == USER
    assert str(uuid.UUID(latest.task_id)) == latest.task_id != outcome["id"]
    assert latest.action == action
    return latest
