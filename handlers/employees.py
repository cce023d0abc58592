"""Employees: who is in which sales or support team, territory and management line.

The engine owns users, groups and passwords; these CRM profiles add what
routing and approvals read (team, territory, manager). They are written by a
process like every other CRM row, keyed by the engine's username.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate

from crm.models import Employee
from engine import StepContext

from ._params import Params, load


class EmployeeParams(Params):
    username = fields.String(required=True, validate=validate.Length(1, 100))
    full_name = fields.String(required=True, validate=validate.Length(1, 200))
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    team = fields.String(allow_none=True, validate=validate.Length(max=50))
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    manager_username = fields.String(allow_none=True, validate=validate.Length(max=100))
    active = fields.Boolean(load_default=True)


class SaveEmployeesParams(Params):
    employees = fields.List(
        fields.Nested(EmployeeParams), required=True, validate=validate.Length(min=1)
    )


def save_employees(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Create or update employee profiles by username; the same list twice changes nothing."""
    p = load(SaveEmployeesParams(), params)
    session = ctx.session
    created, updated = [], []
    for values in p["employees"]:
        query = sa.select(Employee).where(Employee.username == values["username"])
        employee = session.scalars(query).first()
        if employee is None:
            session.add(Employee(**values))
            created.append(values["username"])
            continue
        changed = {k: v for k, v in values.items() if getattr(employee, k) != v}
        for key, value in changed.items():
            setattr(employee, key, value)
        if changed:
            updated.append(values["username"])
    session.flush()
    return {"created": created, "updated": updated}


OPERATORS = (("crm.save_employees", save_employees),)
