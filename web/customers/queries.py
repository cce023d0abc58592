"""Customer card queries beyond the CRM's card: who may see it, the engine's side of it.

The CRM card (``crm.customer_card``) is a fixed number of statements; this
adds three more (open tasks, running instances, record history) and up to two for
the permission check, whatever the customer's size.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models.customer import Customer
from engine._tasks import work_item_dict
from engine.models import Instance, WorkItem, WorkItemStatus

from ..auth.user import WebUser

MAX_TASKS = 200
MAX_INSTANCES = 100


def may_see(session: Session, user: WebUser, customer_id: int) -> bool:
    """Admins and managers see every customer; others the accounts they own and
    those their own or their groups' tasks touch (open or done).

    Owning matters when the tasks predate the customer: the rep who converts a
    lead owns the new account, though the lead's tasks name no customer.
    """
    if user.is_admin or user.is_manager:
        return True
    owner = sa.select(Customer.owner).where(Customer.id == customer_id)
    if session.scalar(owner) == user.username:
        return True
    touched = sa.select(WorkItem.id).where(
        WorkItem.customer_id == str(customer_id),
        sa.or_(
            WorkItem.assignee == user.username,
            WorkItem.completed_by == user.username,
            WorkItem.group_name.in_(sorted(user.groups)),
        ),
    )
    return session.scalar(sa.select(touched.exists())) is True


def open_tasks(session: Session, customer_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(WorkItem)
        .where(WorkItem.customer_id == str(customer_id), WorkItem.status == WorkItemStatus.OPEN)
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(MAX_TASKS)
    )
    return [work_item_dict(row) for row in rows]


def running_instances(session: Session, customer_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(Instance.id, Instance.process_key, Instance.status, Instance.started_at)
        .where(Instance.customer_id == str(customer_id), Instance.ended_at.is_(None))
        .order_by(Instance.started_at.desc())
        .limit(MAX_INSTANCES)
    )
    return [
        {
            "id": str(row.id),
            "process": row.process_key,
            "status": row.status,
            "started_at": row.started_at,
        }
        for row in rows
    ]


def record_history(session: Session, customer_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": change.changed_at,
            "user": change.username,
            "action": str(getattr(change.action, "value", change.action)),
            "changes": change.changes,
            "instance_id": change.instance_id,
        }
        for change in crm.history(session, Customer, customer_id)[:100]
    ]
