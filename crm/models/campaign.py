"""A marketing campaign: a brief, a budget, a target list and, at the end, its results."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, utcnow

if TYPE_CHECKING:
    from .campaign_member import CampaignMember


class CampaignChannel(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    EVENT = "event"
    SOCIAL = "social"


class CampaignStatus(enum.StrEnum):
    PLANNED = "planned"
    APPROVED = "approved"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Campaign(Base):
    """``segment`` names the CRM segment the target list is built from."""

    __tablename__ = "crm_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    channel: Mapped[CampaignChannel] = mapped_column(default=CampaignChannel.EMAIL)
    status: Mapped[CampaignStatus] = mapped_column(default=CampaignStatus.PLANNED)
    segment: Mapped[str | None] = mapped_column(sa.String(50))
    budget: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    actual_cost: Mapped[Decimal | None]
    expected_response_pct: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[CampaignMember]] = relationship(back_populates="campaign")
