"""An interaction: one call, email, meeting, note or SMS on the customer's timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session

from ..base import Base, utcnow
from ..step import current_step


class InteractionKind(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    SMS = "sms"


class Direction(enum.StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Interaction(Base):
    """``instance_id``/``task_id`` name the step that recorded it (filled in from the
    step when left empty); ``external_id`` is the provider's id, unique, so a webhook
    delivered twice records one interaction. ``sender`` and ``recipients`` (a JSON
    list) are the addresses or numbers as the channel gave them: the caller and the
    number called, the From and the To/Cc of an email."""

    __tablename__ = "crm_interaction"
    __table_args__ = (
        sa.Index("ix_crm_interaction_customer_timeline", "customer_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InteractionKind]
    direction: Mapped[Direction | None]
    channel: Mapped[str | None] = mapped_column(sa.String(50))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body: Mapped[str | None] = mapped_column(sa.Text)
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))
    duration_s: Mapped[int | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    employee: Mapped[str | None] = mapped_column(sa.String(100))
    sender: Mapped[str | None] = mapped_column(sa.String(254))
    recipients: Mapped[list[str] | None] = mapped_column(sa.JSON())
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_customer.id"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_lead.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_deal.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_case.id"), index=True)
    instance_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    task_id: Mapped[str | None] = mapped_column(sa.String(64))
    external_id: Mapped[str | None] = mapped_column(sa.String(200), unique=True)


@event.listens_for(Interaction, "before_insert")
def _stamp_step(_mapper: Mapper[Any], _connection: sa.Connection, target: Interaction) -> None:
    """Record which step recorded the interaction unless the caller said otherwise."""
    session = object_session(target)
    step = current_step(session) if session is not None else None
    if step is None:
        return
    if target.instance_id is None:
        target.instance_id = step.instance_id
    if target.task_id is None:
        target.task_id = step.task_id
