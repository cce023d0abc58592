"""Schema of one email address of a contact."""

from __future__ import annotations

from marshmallow import fields

from .base import CrmSchema
from .fields import Email


class ContactEmailSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    address = Email(required=True)
    is_primary = fields.Boolean(load_default=False)
