"""Schema of a competitor's product price met in a deal."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .fields import money


class CompetitorProductSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    competitor_id = fields.Integer(required=True)
    deal_id = fields.Integer(allow_none=True)
    product_name = fields.String(required=True, validate=validate.Length(1, 200))
    price = money(allow_none=True, validate=validate.Range(min=0))
    currency = fields.String(load_default="RUB", validate=validate.Length(3, 3))
    seen_on = fields.Date(allow_none=True)
