"""The append-only audit trail: who did what, when, on which task, and what changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class AuditEntry(Base):
    """``before``/``after`` hold only the data keys the step changed, not the whole data."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    instance_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user: Mapped[str | None] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    task_name: Mapped[str | None] = mapped_column(sa.String(100))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
