"""Schema of a quote with its lines and computed totals (dump only)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.quote import Quote, QuoteStatus
from .base import CrmSchema
from .fields import by_value, utc_datetime
from .quote_line import QuoteLineSchema


class QuoteSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    deal_id = fields.Integer(required=True)
    price_list_id = fields.Integer(allow_none=True)
    status = by_value(QuoteStatus, load_default=QuoteStatus.DRAFT)
    currency = fields.String(load_default="RUB", validate=validate.Length(3, 3))
    valid_until = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    lines = fields.List(fields.Nested(QuoteLineSchema), load_default=list)
    subtotal = fields.Method("_subtotal", dump_only=True)
    discount_total = fields.Method("_discount_total", dump_only=True)
    total = fields.Method("_total", dump_only=True)
    margin = fields.Method("_margin", dump_only=True)
    margin_pct = fields.Method("_margin_pct", dump_only=True)
    created_at = utc_datetime(dump_only=True)
    sent_at = utc_datetime(dump_only=True)
    decided_at = utc_datetime(dump_only=True)

    def _subtotal(self, quote: Quote) -> str:
        return str(quote.subtotal())

    def _discount_total(self, quote: Quote) -> str:
        return str(quote.discount_total())

    def _total(self, quote: Quote) -> str:
        return str(quote.total())

    def _margin(self, quote: Quote) -> str:
        return str(quote.margin())

    def _margin_pct(self, quote: Quote) -> str | None:
        pct = quote.margin_pct()
        return None if pct is None else str(pct)
