"""Cases: open a numbered support case with its SLA due dates, close it with a score.

The process computes the SLA due dates on the business calendar (priority
comes from its DMN table) and passes them in; the case number is allocated
here, in the step, so the acknowledgement can quote it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import fields, validate

import crm
from crm.models import Case, CaseStatus, Contact, Customer
from crm.schemas import CaseSchema
from engine import OperatorError, StepContext

from ._params import Id, Params, bad, load, optional, require


class OpenCaseParams(CaseSchema):
    class Meta(CaseSchema.Meta):
        exclude = (
            "status",
            "first_responded_at",
            "resolution",
            "resolved_at",
            "satisfaction",
            "closed_at",
        )


def open_case(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Open a case for a customer (and contact) with a fresh ``CASE-nnnnnn`` number."""
    p = load(OpenCaseParams(), params)
    session = ctx.session
    require(session, Customer, p["customer_id"], "customer_id")
    contact = optional(session, Contact, p.get("contact_id"), "contact_id")
    if contact is not None and contact.customer_id != p["customer_id"]:
        customer_id = p["customer_id"]
        raise bad(
            "contact_id", f"contact {contact.id} belongs to another customer, not {customer_id}"
        )
    first, last = p.get("first_response_due"), p.get("resolution_due")
    if first and last and last < first:
        raise bad("resolution_due", "must not be before first_response_due")
    case = Case(number=crm.next_case_number(session), **p)
    session.add(case)
    session.flush()
    return {
        "case_id": case.id,
        "number": case.number,
        "priority": str(case.priority),
        "status": str(case.status),
        "first_response_due": _iso(case.first_response_due),
        "resolution_due": _iso(case.resolution_due),
    }


class CloseCaseParams(Params):
    case_id = Id(required=True)
    satisfaction = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 5))
    resolution = fields.String(allow_none=True)


def close_case(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Close a case, keeping its resolution time and the customer's satisfaction score (1-5)."""
    p = load(CloseCaseParams(), params)
    case = require(ctx.session, Case, p["case_id"], "case_id")
    if case.status == CaseStatus.CLOSED:
        raise OperatorError(f"case {case.number} is already closed")
    now = datetime.now(UTC)
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.resolved_at = case.resolved_at or now
    if p.get("resolution"):
        case.resolution = p["resolution"]
    if p.get("satisfaction") is not None:
        case.satisfaction = p["satisfaction"]
    return {
        "case_id": case.id,
        "number": case.number,
        "status": str(case.status),
        "satisfaction": case.satisfaction,
        "closed_at": _iso(case.closed_at),
    }


def _iso(value: datetime | None) -> str | None:
    """UTC ISO text, however the process gave the time (the CRM stores UTC)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


OPERATORS = (
    ("crm.open_case", open_case),
    ("crm.close_case", close_case),
)
