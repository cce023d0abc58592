"""Helpers of the complaint and campaign scenario tests: deploy, seed, walk the inbox.

Processes are deployed from ``processes/<name>/`` exactly as ``clientflow deploy``
reads them. CRM rows the scenarios start from (customers with an ABC class,
contacts in a segment, articles) have no operator that writes them, so they are
written in a stand-in seeding step, the way ``tests/handlers`` seeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from engine import Engine, add_user
from engine.models import AuditEntry
from tests import conftest as shared

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
STAFF = {
    "gleb": ("support",),
    "gena": ("support",),
    "dina": ("support_leads",),
    "egor": ("finance",),
    "vera": ("marketing",),
    "anna": ("sales",),
    "artem": ("sales",),
}


@dataclass(frozen=True)
class SeedStep:
    instance_id: str = "seed"
    task_id: str = "seed"
    user: str | None = "seeder"


def make_crm_engine(url: str) -> Engine:
    """An engine with every handler, the engine and CRM tables, and the staff above."""
    engine = shared.make_crm_engine(url)
    for username, groups in STAFF.items():
        add_user(engine, username, groups=groups)
    return engine


def bundle_of(name: str) -> dict[str, str]:
    """The files of ``processes/<name>/`` keyed by their path inside the folder."""
    folder = PROCESSES / name
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")
    }


@contextmanager
def seeding(engine: Engine) -> Iterator[Session]:
    with engine.db.session() as session:
        session.info[crm.STEP_KEY] = SeedStep()
        try:
            yield session
            session.flush()
        finally:
            session.info.pop(crm.STEP_KEY, None)


def open_tasks(engine: Engine, instance_id: str | None = None) -> list[dict[str, Any]]:
    items = engine.tasks(None, scope="all", limit=200)
    return [i for i in items if instance_id is None or i["instance_id"] == instance_id]


def task(engine: Engine, instance_id: str, name: str) -> dict[str, Any]:
    """The one open task ``name`` of the instance (fails if not exactly one)."""
    found = [i for i in open_tasks(engine, instance_id) if i["task"] == name]
    assert len(found) == 1, f"open tasks: {[i['task'] for i in open_tasks(engine, instance_id)]}"
    return found[0]


def complete(
    engine: Engine, instance_id: str, name: str, data: dict[str, Any], user: str | None = None
) -> dict[str, Any]:
    item = task(engine, instance_id, name)
    outcome = engine.complete_task(item["id"], data, user or item["assignee"])
    assert outcome["status"] != "incident", outcome["incident"]
    return outcome


def actions(engine: Engine, instance_id: str) -> list[tuple[str, str | None]]:
    """The audit trail as ``(action, task name)`` pairs, oldest first."""
    with engine.session() as session:
        rows = session.execute(
            sa.select(AuditEntry.action, AuditEntry.task_name)
            .where(AuditEntry.instance_id == uuid.UUID(instance_id))
            .order_by(AuditEntry.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def done_tasks(engine: Engine, instance_id: str) -> list[tuple[str, str, str | None]]:
    """``(task, status, completed_by)`` of the instance's finished inbox rows."""
    detail = engine.instance(instance_id)
    return [
        (t["task"], t["status"], t["completed_by"])
        for t in detail["tasks"]
        if t["status"] != "open"
    ]


def get(engine: Engine, model: type[crm.Base], record_id: int) -> Any:
    with engine.session() as session:
        return session.get(model, record_id)


def rows(engine: Engine, query: Any) -> list[Any]:
    with engine.session() as session:
        return list(session.scalars(query))


def reviews(engine: Engine, iid: str) -> list[dict[str, Any]]:
    """The open "customer wrote/called" tasks of the instance."""
    return [t for t in open_tasks(engine, iid) if t["task"].startswith("review_")]


def messages(engine: Engine, iid: str) -> int:
    """How many messages the instance has taken (its audit trail's ``message`` steps)."""
    return [a for a, _t in actions(engine, iid)].count("message")


MAILBOX_BPMN = Path(__file__).parents[2] / "integrations" / "bpmn" / "integration_interaction.bpmn"
LOGGED_FIELDS = ("kind", "direction", "channel", "subject", "body", "recording_url", "duration_s")
LOGGED_FIELDS += ("occurred_at", "customer_id", "contact_id", "lead_id", "case_id", "employee")
LOGGED_FIELDS += ("external_id", "sender", "recipients")


def integration_logs(engine: Engine, **fields: Any) -> int:
    """The integrations' interaction process logs an email or call (the rest of its fields
    None), as the mailbox and the telephony do before a message reaches a process."""
    engine.deploy({MAILBOX_BPMN.name: MAILBOX_BPMN.read_text()})
    outcome = engine.start(
        "integration_interaction", {**dict.fromkeys(LOGGED_FIELDS), **fields}, "integrations"
    )
    assert outcome["status"] == "completed", outcome["incident"]
    return int(outcome["data"]["logged"]["interaction_id"])
