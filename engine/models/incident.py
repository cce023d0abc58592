"""An error that stopped an instance, shown to operators until retried or skipped."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    task_name: Mapped[str | None] = mapped_column(sa.String(100))
    error_type: Mapped[str] = mapped_column(sa.String(100))
    message: Mapped[str] = mapped_column(sa.Text)
    line_number: Mapped[int | None]
    error_line: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(sa.String(20))
    resolved_by: Mapped[str | None] = mapped_column(sa.String(100))
