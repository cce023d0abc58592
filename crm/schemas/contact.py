"""Schema of a contact, with its phones and emails nested."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .contact_email import ContactEmailSchema
from .contact_phone import ContactPhoneSchema
from .fields import utc_datetime


class ContactSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True)
    first_name = fields.String(required=True, validate=validate.Length(1, 100))
    last_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    full_name = fields.String(dump_only=True)
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    opt_out = fields.Boolean(load_default=False)
    phones = fields.List(fields.Nested(ContactPhoneSchema), load_default=list)
    emails = fields.List(fields.Nested(ContactEmailSchema), load_default=list)
    created_at = utc_datetime(dump_only=True)
