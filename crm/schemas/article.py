"""Schema of a knowledge-base article."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema
from .fields import utc_datetime


class ArticleSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True)
    tags = fields.List(fields.String(validate=validate.Length(1, 50)), load_default=list)
    published = fields.Boolean(load_default=True)
    created_at = utc_datetime(dump_only=True)
    updated_at = utc_datetime(dump_only=True)
