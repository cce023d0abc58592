"""Schema of an interaction on the timeline."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.interaction import Direction, InteractionKind
from .base import CrmSchema
from .fields import by_value, utc_datetime


class InteractionSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    kind = by_value(InteractionKind, required=True)
    direction = by_value(Direction, allow_none=True)
    channel = fields.String(allow_none=True, validate=validate.Length(max=50))
    subject = fields.String(allow_none=True, validate=validate.Length(max=300))
    body = fields.String(allow_none=True)
    recording_url = fields.Url(allow_none=True, validate=validate.Length(max=500))
    duration_s = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    occurred_at = utc_datetime(required=True)
    employee = fields.String(allow_none=True, validate=validate.Length(max=100))
    sender = fields.String(allow_none=True, validate=validate.Length(max=254))
    recipients = fields.List(
        fields.String(validate=validate.Length(1, 254)),
        allow_none=True,
        validate=validate.Length(max=50),
    )
    customer_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    instance_id = fields.String(dump_only=True)
    task_id = fields.String(dump_only=True)
    external_id = fields.String(allow_none=True, validate=validate.Length(max=200))
