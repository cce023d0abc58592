"""A lead: interest from someone not yet (known to be) a customer, before qualification."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..base import Base, utcnow
from ..normalise import normalise_email, normalise_phone


class LeadSource(enum.StrEnum):
    WEB = "web"
    API = "api"
    PHONE = "phone"
    EMAIL = "email"
    CAMPAIGN = "campaign"
    REFERRAL = "referral"
    MANUAL = "manual"


class LeadStatus(enum.StrEnum):
    NEW = "new"
    WORKING = "working"
    NURTURING = "nurturing"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class Lead(Base):
    """Contact fields are kept on the lead until conversion creates a contact.

    ``customer_id``/``contact_id`` are set when dedup attaches the lead to an
    existing customer or conversion creates one; the deal it converts to points
    back at it with ``Deal.lead_id``.
    """

    __tablename__ = "crm_lead"
    __table_args__ = (sa.Index("ix_crm_lead_status_owner", "status", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[LeadSource] = mapped_column(default=LeadSource.MANUAL)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign.id"), index=True)
    score: Mapped[int | None]
    status: Mapped[LeadStatus] = mapped_column(default=LeadStatus.NEW)
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    company_name: Mapped[str | None] = mapped_column(sa.String(200))
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    territory: Mapped[str | None] = mapped_column(sa.String(50))
    segment: Mapped[str | None] = mapped_column(sa.String(50))
    disqualify_reason: Mapped[str | None] = mapped_column(sa.String(200))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    converted_at: Mapped[datetime | None]

    @validates("phone")
    def _normalise_phone(self, _key: str, phone: str | None) -> str | None:
        return normalise_phone(phone) if phone else None

    @validates("email")
    def _normalise_email(self, _key: str, email: str | None) -> str | None:
        return normalise_email(email) if email else None
