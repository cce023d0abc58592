"""The inbox: one row per open or done human task, what every list page queries."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class WorkItemStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class WorkItem(Base):
    """Denormalised so that list pages never deserialize a workflow.

    The primary key is SpiffWorkflow's task id, so the row and the task are
    one thing and the row can be written without a round trip for its id.
    """

    __tablename__ = "work_item"
    __table_args__ = (
        sa.Index("ix_work_item_assignee", "status", "assignee", "due_at"),
        sa.Index("ix_work_item_group", "status", "group_name", "due_at"),
        sa.Index("ix_work_item_customer", "customer_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    process_key: Mapped[str] = mapped_column(sa.String(100))
    task_name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    group_name: Mapped[str | None] = mapped_column(sa.String(100))
    assignee: Mapped[str | None] = mapped_column(sa.String(100))
    customer_id: Mapped[str | None] = mapped_column(sa.String(64))
    priority: Mapped[int] = mapped_column(default=50)
    form: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=WorkItemStatus.OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(sa.String(100))


# The queue sorted by priority (most urgent first, then soonest due, undated last):
# ``priority DESC`` because the sort is mixed-direction, and ``due_at IS NULL`` because
# SQLite cannot declare NULLS LAST on an index column; the inbox orders by exactly
# these columns, so both databases read one page off the index without sorting.
sa.Index(
    "ix_work_item_group_priority",
    WorkItem.status,
    WorkItem.group_name,
    WorkItem.priority.desc(),
    WorkItem.due_at.is_(None),
    WorkItem.due_at,
    WorkItem.id,
)
