"""A customer (account): the company the CRM knows everything about."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..base import Base, utcnow
from ..normalise import company_key

if TYPE_CHECKING:
    from .contact import Contact


class AbcClass(enum.StrEnum):
    """Customer value class: A the most valuable, C the least (drives case priority)."""

    A = "A"
    B = "B"
    C = "C"


class Customer(Base):
    """``name_key`` is the dedup key of ``name``, kept in step with it on assignment."""

    __tablename__ = "crm_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    segment: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    territory: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    abc_class: Mapped[AbcClass] = mapped_column(default=AbcClass.C)
    lifetime_revenue: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    owner: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", order_by="Contact.id")

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = company_key(name)
        return name
