"""What the task page shows beside the form: customer, diagram, colleagues, next task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

import crm
from engine.models import Instance, WorkItem, WorkItemStatus

from ..auth.user import WebUser
from ..context import current_engine

CARD_TIMELINE = 10


@dataclass(frozen=True)
class Item:
    """A work item dict (as the engine returns it) with the row's attribute names."""

    id: str
    title: str
    assignee: str | None
    group_name: str | None
    status: str
    completed_by: str | None

    def __init__(self, task: dict[str, Any]) -> None:
        object.__setattr__(self, "id", task["id"])
        object.__setattr__(self, "title", task["title"])
        object.__setattr__(self, "assignee", task.get("assignee"))
        object.__setattr__(self, "group_name", task.get("group"))
        object.__setattr__(self, "status", task["status"])
        object.__setattr__(self, "completed_by", task.get("completed_by"))


def customer_summary(customer_id: str | None) -> dict[str, Any] | None:
    """The customer's card with its ten newest interactions, or None."""
    if not customer_id or not str(customer_id).isdigit():
        return None
    with current_engine().session() as session:
        try:
            return crm.customer_card(session, int(customer_id), limit=CARD_TIMELINE)
        except crm.NotFoundError:
            return None


def diagram_of(task: dict[str, Any]) -> dict[str, Any] | None:
    """The process version to draw and the element to highlight."""
    with current_engine().session() as session:
        version_id = session.scalar(
            sa.select(Instance.version_id).where(Instance.id == uuid.UUID(task["instance_id"]))
        )
    if version_id is None:
        return None
    state = "active" if task["status"] == WorkItemStatus.OPEN else "completed"
    return {"version_id": version_id, "highlight": {task["task"]: [state, "current"]}}


def group_members(group: str | None) -> list[str]:
    if not group:
        return []
    engine = current_engine()
    with engine.session() as session:
        info = engine.rt.directory.group(session, group)
    return list(info.members) if info is not None else []


def next_task_for(user: WebUser, instance_id: str) -> WorkItem | None:
    """The newest open task of this instance that this user can work on now."""
    with current_engine().session() as session:
        return session.scalars(
            sa.select(WorkItem)
            .where(
                WorkItem.instance_id == uuid.UUID(instance_id),
                WorkItem.status == WorkItemStatus.OPEN,
                sa.or_(
                    WorkItem.assignee == user.username,
                    sa.and_(
                        WorkItem.assignee.is_(None),
                        WorkItem.group_name.in_(sorted(user.groups)),
                    ),
                ),
            )
            .order_by(WorkItem.created_at.desc())
            .limit(1)
        ).first()
