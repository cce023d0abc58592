"""Schema of a campaign brief and its figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models.campaign import CampaignChannel, CampaignStatus
from .base import CrmSchema
from .fields import by_value, money, percent, utc_datetime


class CampaignSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    channel = by_value(CampaignChannel, load_default=CampaignChannel.EMAIL)
    status = by_value(CampaignStatus, load_default=CampaignStatus.PLANNED)
    segment = fields.String(allow_none=True, validate=validate.Length(max=50))
    budget = money(load_default=Decimal("0.00"), validate=validate.Range(min=0))
    actual_cost = money(allow_none=True, validate=validate.Range(min=0))
    expected_response_pct = percent(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    created_at = utc_datetime(dump_only=True)

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        start: date | None = data.get("start_date")
        end: date | None = data.get("end_date")
        if start and end and end < start:
            raise ValidationError("must not be before start_date", "end_date")
