"""One recorded write to a CRM row: which step, task and person made it, and what changed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class ChangeAction(enum.StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class Change(Base):
    """Append-only: written by the CRM in the flush that makes the change, never edited.

    ``changes`` maps each changed field to ``{"old": ..., "new": ...}`` with JSON
    values (Decimal, date and datetime as strings). ``row_id`` is the primary key
    as text (``"|"``-joined if composite).
    """

    __tablename__ = "crm_change"
    __table_args__ = (sa.Index("ix_crm_change_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(64))
    username: Mapped[str | None] = mapped_column(sa.String(100))
    table_name: Mapped[str] = mapped_column(sa.String(63))
    row_id: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[ChangeAction]
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
