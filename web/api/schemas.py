"""Request and response schemas of the REST API (API.md names the fields).

Responses are dumped through these schemas, so the OpenAPI document and what
the API answers cannot drift apart; schemathesis checks that they do not.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

MAX_PAGE = 200
INT_LIMIT = 2**63  # the store keeps JSON numbers as 64-bit integers
MAX_DEPTH = 32


def storable(value: Any, depth: int = 0) -> None:
    """Refuse what JSON carries but the process store cannot keep: huge integers, deep nesting."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= INT_LIMIT:
        raise ValidationError(f"integer {value} is outside the 64-bit range")
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        storable(child, depth + 1)


def json_object(**kwargs: Any) -> fields.Dict:
    """A JSON object of process data, checked to be storable."""
    return fields.Dict(keys=fields.String(), load_default=dict, validate=storable, **kwargs)


def when(**kwargs: Any) -> fields.String:
    """An ISO 8601 timestamp as the engine gives it (already a string), or null."""
    return fields.String(allow_none=True, metadata={"format": "date-time"}, **kwargs)


def text(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


def jsonable() -> fields.Dict:
    return fields.Dict(keys=fields.String(), allow_none=True)


# -- errors -----------------------------------------------------------------------


class ProblemSchema(Schema):
    """One reason a definition cannot be deployed, tied to its BPMN element."""

    element = text()
    file = text()
    line = fields.Integer(allow_none=True)
    message = fields.String()


class ErrorSchema(Schema):
    """Every error answer: a code, a message, and field errors or definition problems."""

    error = fields.String(required=True)
    message = text()
    errors = fields.Dict(metadata={"description": "field errors, by field (or location)"})
    problems = fields.List(fields.Nested(ProblemSchema))


# -- auth -------------------------------------------------------------------------


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 100))
    password = fields.String(required=True, validate=validate.Length(1, 1000))


class TokenSchema(Schema):
    token = fields.String(required=True)


# -- tasks ------------------------------------------------------------------------


class WorkItemSchema(Schema):
    """A row of the inbox, as API.md names its fields."""

    id = fields.String(required=True, metadata={"format": "uuid"})
    instance_id = fields.String(required=True, metadata={"format": "uuid"})
    process = fields.String(required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    group = text()
    assignee = text()
    customer_id = text()
    priority = fields.Integer()
    due_at = when()
    status = fields.String(required=True)
    created_at = when()
    completed_at = when()
    completed_by = text()


class TaskDetailSchema(WorkItemSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "the task's JSON Schema"})
    instructions = text()
    data = jsonable()


class TaskQuerySchema(Schema):
    scope = fields.String(load_default="mine", validate=validate.OneOf(["mine", "group", "all"]))
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "done"]))
    customer_id = fields.String(validate=validate.Length(1, 64))
    process = fields.String(validate=validate.Length(1, 100))
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PAGE))
    cursor = fields.String(validate=validate.Length(1, 200))


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(WorkItemSchema), required=True)
    next_cursor = text(metadata={"description": "pass as ?cursor= for the next page"})


class AssignSchema(Schema):
    user = fields.String(required=True, validate=validate.Length(1, 100))


class FormDataSchema(Schema):
    data = json_object()


# -- instances and processes ----------------------------------------------------------


class StepSchema(Schema):
    """An instance right after a step: its status and its current data."""

    id = fields.String(metadata={"format": "uuid"})
    process = fields.String()
    version_id = fields.Integer()
    status = fields.String()
    revision = fields.Integer()
    incident = text()
    data = jsonable()


class CompletedSchema(Schema):
    instance = fields.Nested(StepSchema, required=True)


class AuditSchema(Schema):
    id = fields.Integer()
    at = when()
    user = text()
    action = fields.String()
    task_id = text()
    task = text()
    detail = text()
    before = jsonable()
    after = jsonable()


class IncidentSchema(Schema):
    id = fields.Integer()
    task_id = text()
    task = text()
    error_type = fields.String()
    message = fields.String()
    line_number = fields.Integer(allow_none=True)
    error_line = text()
    created_at = when()
    resolved_at = when()
    resolution = text()


class InstanceSchema(Schema):
    """An instance with its active tasks, history and incidents."""

    id = fields.String(required=True, metadata={"format": "uuid"})
    process = fields.String()
    version = fields.String(metadata={"description": "the version's content hash (short)"})
    version_id = fields.Integer()
    status = fields.String(required=True)
    revision = fields.Integer()
    started_at = when()
    started_by = text()
    ended_at = when()
    customer_id = text()
    data = jsonable()
    active_tasks = fields.List(fields.Nested(WorkItemSchema))
    tasks = fields.List(fields.Nested(WorkItemSchema))
    history = fields.List(fields.Nested(AuditSchema))
    incidents = fields.List(fields.Nested(IncidentSchema))


class RetrySchema(Schema):
    data = json_object(metadata={"description": "corrected data"})


class ProcessVersionSchema(Schema):
    id = fields.Integer()
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String()
    hash = fields.String()
    deployed_at = when()
    deployed_by = text()


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessVersionSchema), required=True)


class DeployFilesSchema(Schema):
    files = fields.List(
        Upload(), required=True, metadata={"description": "BPMN, DMN and form JSON files"}
    )


class DeployedSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    versions = fields.List(fields.Nested(ProcessVersionSchema))


class StartSchema(Schema):
    data = json_object()


class MessageSchema(Schema):
    correlation = json_object()
    payload = json_object()


class MessageResultSchema(Schema):
    outcome = fields.String(
        required=True, metadata={"description": "delivered (to a waiting instance) or started"}
    )
    instance = fields.Nested(StepSchema, required=True)


# -- customers and reports ----------------------------------------------------------------


class CardQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    before = fields.String(validate=validate.Length(1, 200))


class RunningInstanceSchema(Schema):
    id = fields.String(metadata={"format": "uuid"})
    process = fields.String()
    status = fields.String()
    started_at = when()


class CustomerCardSchema(Schema):
    customer = fields.Dict(required=True)
    contacts = fields.List(fields.Dict())
    deals = fields.List(fields.Dict())
    cases = fields.List(fields.Dict())
    campaigns = fields.List(fields.Dict())
    timeline = fields.Dict()
    open_tasks = fields.List(fields.Nested(WorkItemSchema))
    running_instances = fields.List(fields.Nested(RunningInstanceSchema))


class PlaceCallSchema(Schema):
    """Click-to-call: one of the customer's phones; ``agent`` only for users without a
    configured line; ``task_id`` when the call belongs to a task."""

    phone = fields.String(required=True, validate=validate.Length(1, 64))
    agent = fields.String(validate=validate.Length(1, 120))
    task_id = fields.String(validate=validate.Length(1, 64))


class PlacedCallSchema(Schema):
    id = fields.Integer(required=True)
    provider = fields.String(required=True)
    call_id = fields.String(required=True)
    status = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    contact_id = fields.Integer(allow_none=True)
    phone = fields.String(required=True)
    agent = fields.String(required=True)
    task_id = text()
    message = fields.String(required=True)


class ReportSchema(Schema):
    report = fields.String(required=True)
    rows = fields.List(fields.Dict(), required=True)
    totals = fields.Dict()
