"""Schema of a deal."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import fields, validate

from ..models.deal import DealStage
from .base import CrmSchema
from .fields import by_value, money, utc_datetime


class DealSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True)
    contact_id = fields.Integer(allow_none=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    stage = by_value(DealStage, load_default=DealStage.PROSPECTING)
    amount = money(load_default=Decimal("0.00"), validate=validate.Range(min=0))
    currency = fields.String(load_default="RUB", validate=validate.Length(3, 3))
    probability = fields.Integer(load_default=10, validate=validate.Range(0, 100))
    expected_close = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    lost_reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    competitor_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    campaign_id = fields.Integer(allow_none=True)
    created_at = utc_datetime(dump_only=True)
    closed_at = utc_datetime(allow_none=True)
