"""One line of a quote: a product, a quantity, a price and a discount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base

if TYPE_CHECKING:
    from .quote import Quote

CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class QuoteLine(Base):
    """``unit_price`` is copied from the price list when the line is made, so a later
    price change does not alter a sent quote; ``unit_cost`` likewise for the margin."""

    __tablename__ = "crm_quote_line"
    __table_args__ = (
        sa.CheckConstraint("discount_pct BETWEEN 0 AND 100", name="discount_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_quote.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_product.id"), index=True)
    description: Mapped[str | None] = mapped_column(sa.String(300))
    qty: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal("1"))
    unit_price: Mapped[Decimal]
    discount_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    quote: Mapped[Quote] = relationship(back_populates="lines")

    def gross(self) -> Decimal:
        return _money(self._qty() * self.unit_price)

    def discount_amount(self) -> Decimal:
        return _money(self.gross() * (self.discount_pct or 0) / 100)

    def net(self) -> Decimal:
        return self.gross() - self.discount_amount()

    def cost(self) -> Decimal:
        return _money(self._qty() * (self.unit_cost or 0))

    def margin(self) -> Decimal:
        return self.net() - self.cost()

    def _qty(self) -> Decimal:
        """The quantity, defaulting to one before the row is flushed."""
        return Decimal(1) if self.qty is None else self.qty
