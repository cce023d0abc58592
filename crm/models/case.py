"""A support case (complaint): from first report to resolution and satisfaction score."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow

CASE_NUMBER_PREFIX = "CASE-"


class CasePriority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CaseSeverity(enum.StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class CaseStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class Case(Base):
    """``number`` (``CASE-000123``) is what the customer quotes back in a reply.

    Allocate it with :func:`crm.next_case_number` inside the step that opens the case.
    """

    __tablename__ = "crm_case"
    __table_args__ = (
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_1_to_5"),
        sa.Index("ix_crm_case_status_owner", "status", "owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    priority: Mapped[CasePriority] = mapped_column(default=CasePriority.MEDIUM)
    severity: Mapped[CaseSeverity] = mapped_column(default=CaseSeverity.MINOR)
    status: Mapped[CaseStatus] = mapped_column(default=CaseStatus.NEW)
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    first_response_due: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
