"""Schema of one price on a price list."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .fields import money


class PriceListItemSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    price_list_id = fields.Integer(dump_only=True)
    product_id = fields.Integer(required=True)
    price = money(required=True, validate=validate.Range(min=0))
