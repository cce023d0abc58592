"""A competitor's product and the price it was offered at in one of our deals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class CompetitorProduct(Base):
    __tablename__ = "crm_competitor_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_competitor.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_deal.id"), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(200))
    price: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    seen_on: Mapped[date | None]
