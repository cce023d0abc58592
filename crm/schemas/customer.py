"""Schema of a customer."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.customer import AbcClass
from .base import CrmSchema
from .fields import by_value, money, utc_datetime


class CustomerSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    segment = fields.String(allow_none=True, validate=validate.Length(max=50))
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    abc_class = by_value(AbcClass, load_default=AbcClass.C)
    lifetime_revenue = money(dump_only=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    created_at = utc_datetime(dump_only=True)
