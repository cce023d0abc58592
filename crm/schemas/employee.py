"""Schema of an employee's CRM profile."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CrmSchema


class EmployeeSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Length(1, 100))
    full_name = fields.String(required=True, validate=validate.Length(1, 200))
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    team = fields.String(allow_none=True, validate=validate.Length(max=50))
    manager_username = fields.String(allow_none=True, validate=validate.Length(max=100))
    active = fields.Boolean(load_default=True)
