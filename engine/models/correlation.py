"""What message each waiting instance expects, indexed for correlation."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MessageSubscription(Base):
    """A waiting message catch: message name plus the canonical correlation string.

    ``correlation`` is ``key=value`` pairs sorted by key and joined with ``&``
    (``case_number=CASE-000012``), built from the instance data named by the
    catch event's ``correlationKeys`` property, so a lookup is one index probe.
    """

    __tablename__ = "message_subscription"
    __table_args__ = (sa.Index("ix_subscription_lookup", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    message_name: Mapped[str] = mapped_column(sa.String(200))
    correlation: Mapped[str] = mapped_column(sa.String(500))
