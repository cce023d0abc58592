"""A commercial offer for a deal, built from a price list, approved by discount and margin."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, utcnow

if TYPE_CHECKING:
    from .quote_line import QuoteLine

ZERO = Decimal("0.00")


class QuoteStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Quote(Base):
    """Totals are computed from the lines, never stored, so they cannot disagree."""

    __tablename__ = "crm_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_deal.id"), index=True)
    price_list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_price_list.id"))
    status: Mapped[QuoteStatus] = mapped_column(default=QuoteStatus.DRAFT)
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    valid_until: Mapped[date | None]
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteLine.id"
    )

    def subtotal(self) -> Decimal:
        """Sum of the lines before discount."""
        return sum((line.gross() for line in self.lines), ZERO)

    def discount_total(self) -> Decimal:
        return sum((line.discount_amount() for line in self.lines), ZERO)

    def total(self) -> Decimal:
        """What the customer pays: the sum of the discounted lines."""
        return sum((line.net() for line in self.lines), ZERO)

    def cost_total(self) -> Decimal:
        return sum((line.cost() for line in self.lines), ZERO)

    def margin(self) -> Decimal:
        return self.total() - self.cost_total()

    def margin_pct(self) -> Decimal | None:
        """Margin as a percentage of the total; ``None`` for a zero total."""
        total = self.total()
        if not total:
            return None
        return (self.margin() * 100 / total).quantize(Decimal("0.01"))

    def max_discount_pct(self) -> Decimal:
        """The deepest line discount: what the approval rules look at."""
        return max((line.discount_pct or ZERO for line in self.lines), default=ZERO)
