"""Schema of a support case."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.case import CasePriority, CaseSeverity, CaseStatus
from .base import CrmSchema
from .fields import by_value, utc_datetime


class CaseSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    customer_id = fields.Integer(required=True)
    contact_id = fields.Integer(allow_none=True)
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    description = fields.String(allow_none=True)
    priority = by_value(CasePriority, load_default=CasePriority.MEDIUM)
    severity = by_value(CaseSeverity, load_default=CaseSeverity.MINOR)
    status = by_value(CaseStatus, load_default=CaseStatus.NEW)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    first_response_due = utc_datetime(allow_none=True)
    first_responded_at = utc_datetime(allow_none=True)
    resolution_due = utc_datetime(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = utc_datetime(allow_none=True)
    satisfaction = fields.Integer(allow_none=True, validate=validate.Range(1, 5))
    created_at = utc_datetime(dump_only=True)
    closed_at = utc_datetime(allow_none=True)
