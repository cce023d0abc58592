"""Inbox operations on work items: read, claim, unclaim, assign, delegate.

These change who holds a task, not the workflow, so they update the work item
row alone, guarded by its status and current holder in the same statement, so
that two people claiming at once cannot both win.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._assignment import resolve_substitute
from ._errors import Conflict, NotAllowed, NotFound
from ._runtime import Runtime
from .models import AuditEntry, WorkItem, WorkItemStatus

ADMIN_GROUP = "admins"


def work_item_dict(item: WorkItem) -> dict[str, Any]:
    """A work item as API.md names its fields."""
    return {
        "id": str(item.id),
        "instance_id": str(item.instance_id),
        "process": item.process_key,
        "task": item.task_name,
        "title": item.title,
        "group": item.group_name,
        "assignee": item.assignee,
        "customer_id": item.customer_id,
        "priority": item.priority,
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "status": item.status,
        "created_at": item.created_at.isoformat(),
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "completed_by": item.completed_by,
    }


def _open_item(session: Session, task_id: uuid.UUID) -> WorkItem:
    item = session.get(WorkItem, task_id)
    if item is None:
        raise NotFound(f"task {task_id} does not exist")
    if item.status != WorkItemStatus.OPEN:
        raise Conflict(f"task '{item.title}' is {item.status}")
    return item


def _set_assignee(
    session: Session, item: WorkItem, new: str | None, expected: str | None, user: str, action: str
) -> WorkItem:
    result = session.execute(
        sa.update(WorkItem)
        .where(
            WorkItem.id == item.id,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.assignee.is_(None) if expected is None else WorkItem.assignee == expected,
        )
        .values(assignee=new)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"task '{item.title}' was taken by someone else; reload the inbox")
    session.add(
        AuditEntry(
            instance_id=item.instance_id,
            at=_now(),
            user=user,
            action=action,
            task_id=item.id,
            task_name=item.task_name,
            detail=f"{expected or '-'} -> {new or '-'}",
        )
    )
    session.flush()
    session.refresh(item)
    return item


def _now() -> Any:
    from . import _clock

    return _clock.now()


def is_manager(rt: Runtime, session: Session, user: str, group: str | None) -> bool:
    """Admins, the group's manager, and members of ``<group>_managers`` may manage its queue."""
    info = rt.directory.user(session, user)
    if info is None:
        return False
    if ADMIN_GROUP in info.groups:
        return True
    if group is None:
        return False
    if f"{group}_managers" in info.groups or f"{group}_leads" in info.groups:
        return True
    ginfo = rt.directory.group(session, group)
    return ginfo is not None and ginfo.manager == user


def claim(rt: Runtime, task_id: uuid.UUID, user: str) -> dict[str, Any]:
    with rt.db.session() as session:
        item = _open_item(session, task_id)
        if item.assignee == user:
            return work_item_dict(item)
        info = rt.directory.user(session, user)
        if item.group_name and (info is None or item.group_name not in info.groups):
            raise NotAllowed(f"{user} is not in group '{item.group_name}'")
        if item.assignee is not None:
            raise Conflict(f"task '{item.title}' is already claimed by {item.assignee}")
        return work_item_dict(_set_assignee(session, item, user, None, user, "claimed"))


def unclaim(rt: Runtime, task_id: uuid.UUID, user: str) -> dict[str, Any]:
    with rt.db.session() as session:
        item = _open_item(session, task_id)
        if item.assignee != user and not is_manager(rt, session, user, item.group_name):
            raise NotAllowed(f"only {item.assignee} or a manager may release '{item.title}'")
        return work_item_dict(_set_assignee(session, item, None, item.assignee, user, "unclaimed"))


def assign(rt: Runtime, task_id: uuid.UUID, to_user: str, by_user: str) -> dict[str, Any]:
    """A manager gives the task to someone (their substitute, if they are away)."""
    with rt.db.session() as session:
        item = _open_item(session, task_id)
        if not is_manager(rt, session, by_user, item.group_name):
            raise NotAllowed(f"{by_user} may not reassign tasks of group '{item.group_name}'")
        if rt.directory.user(session, to_user) is None:
            raise NotFound(f"user {to_user} does not exist")
        target = resolve_substitute(session, rt.directory, to_user)
        return work_item_dict(
            _set_assignee(session, item, target, item.assignee, by_user, "assigned")
        )


def delegate(rt: Runtime, task_id: uuid.UUID, to_user: str, by_user: str) -> dict[str, Any]:
    """The holder hands their task to a colleague."""
    with rt.db.session() as session:
        item = _open_item(session, task_id)
        if item.assignee != by_user:
            raise NotAllowed(f"only the holder of '{item.title}' may delegate it")
        if rt.directory.user(session, to_user) is None:
            raise NotFound(f"user {to_user} does not exist")
        return work_item_dict(_set_assignee(session, item, to_user, by_user, by_user, "delegated"))
