"""One outbound message (email or SMS) waiting for, or done with, delivery.

Written by ``mail.send`` inside a step (so it commits or rolls back with the
step), then delivered after the commit by a worker through :mod:`crm.outbox`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class OutboxChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """``recipient`` is an address (email) or an E.164 number (SMS); ``cc`` a JSON list.

    ``message_id`` (``<hex@domain>``) is made at enqueue, so a reply's
    ``In-Reply-To``/``References`` find this row, its instance and its case or
    quote. ``attachments`` is a JSON list of ``{"name", "ref", "content_type"}``
    references (the sender resolves ``ref``; no bytes are stored here).
    ``next_attempt_at`` holds back a retry after a failure.
    """

    __tablename__ = "crm_outbox"
    __table_args__ = (sa.Index("ix_crm_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[OutboxChannel] = mapped_column(default=OutboxChannel.EMAIL)
    sender: Mapped[str | None] = mapped_column(sa.String(254))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    cc: Mapped[list[str]] = mapped_column(sa.JSON(), default=list)
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))
    references: Mapped[list[str]] = mapped_column("thread_references", sa.JSON(), default=list)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_lead.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_deal.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_case.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_quote.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign.id"), index=True)
    campaign_member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("crm_campaign_member.id"), index=True
    )
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_interaction.id"))
    instance_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    task_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[OutboxStatus] = mapped_column(default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
