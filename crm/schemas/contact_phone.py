"""Schema of one phone number of a contact."""

from __future__ import annotations

from marshmallow import fields

from ..models.contact_phone import PhoneKind
from .base import CrmSchema
from .fields import Phone, by_value


class ContactPhoneSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    number = Phone(required=True)
    kind = by_value(PhoneKind, load_default=PhoneKind.MOBILE)
    is_primary = fields.Boolean(load_default=False)
