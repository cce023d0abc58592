"""One target of a campaign, and how they responded."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base

if TYPE_CHECKING:
    from .campaign import Campaign


class MemberStatus(enum.StrEnum):
    TARGETED = "targeted"
    SENT = "sent"
    RESPONDED = "responded"
    CONVERTED = "converted"
    OPTED_OUT = "opted_out"
    BOUNCED = "bounced"


class CampaignMember(Base):
    """``lead_id`` is the lead a response turned into (campaign attribution)."""

    __tablename__ = "crm_campaign_member"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_campaign.id"), index=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    status: Mapped[MemberStatus] = mapped_column(default=MemberStatus.TARGETED)
    response: Mapped[str | None] = mapped_column(sa.String(200))
    responded_at: Mapped[datetime | None]
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_lead.id"), index=True)

    campaign: Mapped[Campaign] = relationship(back_populates="members")
