"""Schema of a price list, with its items nested."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .price_list_item import PriceListItemSchema


class PriceListSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    currency = fields.String(load_default="RUB", validate=validate.Length(3, 3))
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    active = fields.Boolean(load_default=True)
    items = fields.List(fields.Nested(PriceListItemSchema), load_default=list)
