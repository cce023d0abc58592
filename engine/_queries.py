"""Read models: instance and task views for the API, built from rows, not workflows.

Only ``task_detail`` and ``instance_detail`` read the stored state (to show
the task's current data); list queries touch ``work_item`` alone.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import _clock, _state
from ._errors import NotFound
from ._runtime import Runtime, Step
from ._tasks import work_item_dict
from .models import AuditEntry, Incident, Instance, WorkItem, WorkItemStatus

MAX_PAGE = 200


def step_summary(step: Step | None) -> dict[str, Any]:
    """What a caller learns from a step: the instance, its status and its open tasks."""
    if step is None:
        return {}
    wf = step.workflow
    return {
        "id": str(step.instance_id),
        "process": step.version.key,
        "version_id": step.version_id,
        "status": step.status,
        "revision": step.revision,
        "incident": step.incidents[0].message if step.incidents else None,
        "data": _state.to_jsonable(_visible_data(wf)),
    }


def _visible_data(workflow: Any) -> dict[str, Any]:
    task = workflow.last_task
    return dict(task.data) if task is not None else dict(workflow.data)


def instance_detail(rt: Runtime, session: Session, instance_id: uuid.UUID) -> dict[str, Any]:
    row = session.get(Instance, instance_id)
    if row is None:
        raise NotFound(f"instance {instance_id} does not exist")
    version = rt.version(session, row.version_id)
    workflow = _state.loads(row.state, version, rt.script_engine)
    items = session.scalars(
        sa.select(WorkItem).where(WorkItem.instance_id == instance_id).order_by(WorkItem.created_at)
    ).all()
    history = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.id)
    ).all()
    incidents = session.scalars(
        sa.select(Incident).where(Incident.instance_id == instance_id).order_by(Incident.id)
    ).all()
    return {
        "id": str(row.id),
        "process": row.process_key,
        "version": version.content_hash[:12],
        "version_id": row.version_id,
        "status": row.status,
        "revision": row.revision,
        "started_at": row.started_at.isoformat(),
        "started_by": row.started_by,
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "customer_id": row.customer_id,
        "data": _state.to_jsonable(_visible_data(workflow)),
        "active_tasks": [work_item_dict(i) for i in items if i.status == WorkItemStatus.OPEN],
        "tasks": [work_item_dict(i) for i in items],
        "history": [_audit_dict(a) for a in history],
        "incidents": [_incident_dict(i) for i in incidents],
    }


def _audit_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "user": entry.user,
        "action": entry.action,
        "task_id": str(entry.task_id) if entry.task_id else None,
        "task": entry.task_name,
        "detail": entry.detail,
        "before": entry.before,
        "after": entry.after,
    }


def _incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "task_id": str(incident.task_id) if incident.task_id else None,
        "task": incident.task_name,
        "error_type": incident.error_type,
        "message": incident.message,
        "line_number": incident.line_number,
        "error_line": incident.error_line,
        "created_at": incident.created_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "resolution": incident.resolution,
    }


def task_detail(rt: Runtime, session: Session, task_id: uuid.UUID) -> dict[str, Any]:
    """A work item with its form schema, instructions and the task's current data."""
    item = session.get(WorkItem, task_id)
    if item is None:
        raise NotFound(f"task {task_id} does not exist")
    row = session.get(Instance, item.instance_id)
    assert row is not None
    version = rt.version(session, row.version_id)
    meta = version.user_tasks.get(item.task_name)
    data: dict[str, Any] = {}
    if item.status == WorkItemStatus.OPEN:
        workflow = _state.loads(row.state, version, rt.script_engine)
        task = workflow.tasks.get(task_id)
        data = _state.to_jsonable(dict(task.data)) if task is not None else {}
    return {
        **work_item_dict(item),
        "form": dict(meta.form_schema) if meta and meta.form_schema else None,
        "instructions": meta.instructions if meta else None,
        "data": data,
    }


def list_tasks(
    rt: Runtime,
    session: Session,
    user: str | None,
    *,
    scope: str = "mine",
    status: str = WorkItemStatus.OPEN,
    customer_id: str | None = None,
    process: str | None = None,
    overdue: bool = False,
    limit: int = 50,
    before: tuple[datetime, str] | None = None,
    after: tuple[datetime | None, uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    """The inbox: ``mine`` (assigned to me), ``group`` (my groups' queue), ``all`` (admins).

    ``after`` is a keyset cursor, the ``(due_at, id)`` of the last item of the
    previous page, so a page costs the same however deep it is.
    """
    query = sa.select(WorkItem).where(WorkItem.status == status)
    if scope == "mine":
        query = query.where(WorkItem.assignee == user)
    elif scope == "group":
        groups = rt.directory.user(session, user).groups if user else frozenset()  # type: ignore[union-attr]
        query = query.where(WorkItem.group_name.in_(sorted(groups)))
    if customer_id is not None:
        query = query.where(WorkItem.customer_id == customer_id)
    if process is not None:
        query = query.where(WorkItem.process_key == process)
    if overdue:
        query = query.where(WorkItem.due_at < _clock.now())
    if after is not None:
        query = query.where(_after(*after))
    query = query.order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
    rows = session.scalars(query.limit(max(1, min(limit, MAX_PAGE)))).all()
    return [work_item_dict(r) for r in rows]


def _after(due_at: datetime | None, item_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Rows after ``(due_at, id)`` in the inbox order: by due date, undated last, then id."""
    if due_at is None:
        return sa.and_(WorkItem.due_at.is_(None), WorkItem.id > item_id)
    return sa.or_(
        WorkItem.due_at > due_at,
        sa.and_(WorkItem.due_at == due_at, WorkItem.id > item_id),
        WorkItem.due_at.is_(None),
    )
