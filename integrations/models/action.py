"""Claims on process actions: one per call or thread, whatever number of events led to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class IntegrationAction(Base):
    """``key`` names the action (``call:CA12:lead``); its unique index makes it happen once.

    ``outcome`` is empty while the action runs; ``sender`` and ``starts`` feed the
    loop guard (processes started per sender per hour).
    """

    __tablename__ = "integration_action"
    __table_args__ = (sa.Index("ix_integration_action_sender_created", "sender", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("integration_event.id"), index=True)
    sender: Mapped[str | None] = mapped_column(sa.String(320))
    starts: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
