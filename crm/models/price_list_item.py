"""The price of one product on one price list."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base

if TYPE_CHECKING:
    from .price_list import PriceList


class PriceListItem(Base):
    __tablename__ = "crm_price_list_item"
    __table_args__ = (sa.UniqueConstraint("price_list_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_price_list.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_product.id"), index=True)
    price: Mapped[Decimal]

    price_list: Mapped[PriceList] = relationship(back_populates="items")
