"""A deal (opportunity): a sale in progress with a customer, from first talk to won or lost."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, utcnow

if TYPE_CHECKING:
    from .customer import Customer


class DealStage(enum.StrEnum):
    PROSPECTING = "prospecting"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"

    @property
    def is_closed(self) -> bool:
        return self in (DealStage.WON, DealStage.LOST)


class Deal(Base):
    """``probability`` is a percentage; ``lead_id``/``campaign_id`` attribute revenue."""

    __tablename__ = "crm_deal"
    __table_args__ = (
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="probability_percent"),
        sa.Index("ix_crm_deal_stage_owner", "stage", "owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    stage: Mapped[DealStage] = mapped_column(default=DealStage.PROSPECTING)
    amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    probability: Mapped[int] = mapped_column(default=10)
    expected_close: Mapped[date | None]
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    lost_reason: Mapped[str | None] = mapped_column(sa.String(200))
    competitor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("crm_competitor.id"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_lead.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship()
