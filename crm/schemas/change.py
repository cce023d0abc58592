"""Schema of a history entry (dump only: the history is written by the CRM itself)."""

from __future__ import annotations

from marshmallow import fields

from ..models.change import ChangeAction
from .base import CrmSchema
from .fields import by_value, utc_datetime


class ChangeSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    instance_id = fields.String(dump_only=True)
    task_id = fields.String(dump_only=True)
    username = fields.String(dump_only=True)
    table_name = fields.String(dump_only=True)
    row_id = fields.String(dump_only=True)
    action = by_value(ChangeAction, dump_only=True)
    changes = fields.Dict(dump_only=True)
    changed_at = utc_datetime(dump_only=True)
