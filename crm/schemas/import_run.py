"""Schemas of an import's record and its issues (dump only: the import writes them)."""

from __future__ import annotations

from marshmallow import fields

from ..models.import_issue import IssueKind
from ..models.import_run import ImportStatus
from .base import CrmSchema
from .fields import by_value, utc_datetime


class ImportIssueSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    import_run_id = fields.Integer(dump_only=True)
    line = fields.Integer(dump_only=True)
    kind = by_value(IssueKind, dump_only=True)
    reason = fields.String(dump_only=True)
    contact_id = fields.Integer(dump_only=True)
    of_line = fields.Integer(dump_only=True)


class ImportRunSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    instance_id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    file_name = fields.String(dump_only=True)
    rows_total = fields.Integer(dump_only=True)
    rows_done = fields.Integer(dump_only=True)
    imported = fields.Integer(dump_only=True)
    bad = fields.Integer(dump_only=True)
    duplicates = fields.Integer(dump_only=True)
    status = by_value(ImportStatus, dump_only=True)
    started_at = utc_datetime(dump_only=True)
    finished_at = utc_datetime(dump_only=True)
