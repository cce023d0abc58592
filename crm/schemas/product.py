"""Schema of a product."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .fields import money


class ProductSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    sku = fields.String(required=True, validate=validate.Length(1, 50))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(allow_none=True)
    unit = fields.String(load_default="pcs", validate=validate.Length(1, 20))
    cost = money(allow_none=True)
    active = fields.Boolean(load_default=True)
