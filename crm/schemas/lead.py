"""Schema of a lead; its phone and email are normalised like a contact's."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.lead import LeadSource, LeadStatus
from .base import CrmSchema
from .fields import Email, Phone, by_value, utc_datetime


class LeadSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    source = by_value(LeadSource, load_default=LeadSource.MANUAL)
    campaign_id = fields.Integer(allow_none=True)
    score = fields.Integer(allow_none=True)
    status = by_value(LeadStatus, load_default=LeadStatus.NEW)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    company_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    first_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    last_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    phone = Phone(allow_none=True)
    email = Email(allow_none=True)
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    segment = fields.String(allow_none=True, validate=validate.Length(max=50))
    disqualify_reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    customer_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    created_at = utc_datetime(dump_only=True)
    converted_at = utc_datetime(allow_none=True)
