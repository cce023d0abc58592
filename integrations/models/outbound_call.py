"""Outbound calls employees place (click-to-call): who called whom, and how it went."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class CallStatus(enum.StrEnum):
    REQUESTED = "requested"  # written before the provider is asked
    REFUSED = "refused"  # the provider refused or could not be reached: see ``error``
    PLACED = "placed"  # the provider took it and gave its call id
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    MISSED = "missed"


class OutboundCall(Base):
    """One click-to-call: written before the provider is asked, then given the provider's
    ``call_id``, by which the status hooks that follow find the customer, the contact and
    the employee (``(source, call_id)`` is unique; ``source`` is the hooks' journal source).
    """

    __tablename__ = "integration_outbound_call"
    __table_args__ = (
        sa.UniqueConstraint("source", "call_id"),
        sa.Index("ix_integration_outbound_call_customer", "customer_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    provider: Mapped[str] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(20))
    call_id: Mapped[str | None] = mapped_column(sa.String(200))
    customer_id: Mapped[int]
    contact_id: Mapped[int | None]
    phone: Mapped[str] = mapped_column(sa.String(64))
    agent: Mapped[str] = mapped_column(sa.String(200))
    employee: Mapped[str] = mapped_column(sa.String(100))
    task_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(20), default=CallStatus.REQUESTED)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_at: Mapped[datetime | None]
