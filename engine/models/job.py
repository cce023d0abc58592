"""Due work: timers and queued steps, picked with ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class JobKind(enum.StrEnum):
    TIMER = "timer"
    SERVICE = "service"


class Job(Base):
    """A timer waiting in an instance, or an asynchronous service task to run.

    Rows are rewritten by each step from the workflow itself, so they can never
    disagree with it; a worker that dies after picking a job leaves the row,
    and the next sweep picks it again.
    """

    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_due", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)  # the Spiff task id
    instance_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    task_name: Mapped[str] = mapped_column(sa.String(100))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
