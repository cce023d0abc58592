"""A product or service the company sells; ``cost`` feeds quote margins."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class Product(Base):
    __tablename__ = "crm_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    unit: Mapped[str] = mapped_column(sa.String(20), default="pcs")
    cost: Mapped[Decimal | None]
    active: Mapped[bool] = mapped_column(default=True)
