"""The event journal: every inbound call event and email, once per provider id."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class EventStatus(enum.StrEnum):
    RECEIVED = "received"  # journaled, not processed yet
    PROCESSED = "processed"
    IGNORED = "ignored"  # read, and no rule applies (e.g. an auto-reply)
    FAILED = "failed"  # retries ran out: an incident for an admin to replay


class IntegrationEvent(Base):
    """``(source, provider_id)`` is the idempotency key: a redelivery finds the first row.

    ``source`` is the channel (``telephony``, ``twilio``, ``email``) and ``via`` the
    door it came through (``hook``, ``smtp``, ``imap``), so an email polled by IMAP
    after it came by SMTP is the same event.
    """

    __tablename__ = "integration_event"
    __table_args__ = (
        sa.UniqueConstraint("source", "provider_id"),
        sa.Index("ix_integration_event_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    provider_id: Mapped[str] = mapped_column(sa.String(300))
    via: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(40))
    sender: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    thread_key: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(20), default=EventStatus.RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[list[Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "provider_id": self.provider_id,
            "via": self.via,
            "kind": self.kind,
            "sender": self.sender,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "outcome": self.outcome,
            "received_at": self.received_at.isoformat(),
            "processed_at": self.processed_at.isoformat() if self.processed_at else None,
        }
