"""Schema of a competitor."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema


class CompetitorSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    website = fields.Url(allow_none=True, validate=validate.Length(max=300))
    notes = fields.String(allow_none=True)
