"""A deployed, immutable version of a process definition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class ProcessVersion(Base):
    """One deployed version: the files as deployed, keyed by their content hash.

    ``key`` is the BPMN process id (``lead_qualification``); versions count up
    per key. Instances point at the version they started on and keep it.
    """

    __tablename__ = "process_version"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    files: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    start_messages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(sa.String(100))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "version": self.version,
            "name": self.name,
            "hash": self.content_hash,
            "deployed_at": self.deployed_at.isoformat(),
            "deployed_by": self.deployed_by,
        }
