"""Schema of a quote line; its computed amounts are dumped, never loaded."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields, validate

from ..models.quote_line import QuoteLine
from .base import CrmSchema
from .fields import money, percent


class QuoteLineSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    product_id = fields.Integer(required=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=300))
    qty = fields.Decimal(
        places=3, as_string=True, load_default=Decimal("1"), validate=validate.Range(min=0)
    )
    unit_price = money(required=True, validate=validate.Range(min=0))
    discount_pct = percent(load_default=Decimal("0"))
    unit_cost = money(load_default=Decimal("0.00"), validate=validate.Range(min=0))
    net = fields.Method("_net", dump_only=True)
    margin = fields.Method("_margin", dump_only=True)

    def _net(self, line: QuoteLine) -> str:
        return str(line.net())

    def _margin(self, line: QuoteLine) -> str:
        return str(line.margin())
