"""Cases: the CRM side of complaint resolution, from opening to closing with a score.

The process decides priority and SLA durations with its DMN table and passes
them in (as due dates, or as durations counted from now); the case number is
allocated here, in the step, so the acknowledgement can quote it. A case may
be resolved and reopened any number of times before it is closed. The
customer's replies are read and noted by :mod:`handlers.case_replies`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate

import crm
from crm.models import (
    Article,
    Case,
    CaseStatus,
    Contact,
    ContactEmail,
    Customer,
    Direction,
    InteractionKind,
)
from crm.schemas import CaseSchema
from engine import OperatorError, StepContext, business_deadline

from ._params import Duration, Id, Params, bad, load, optional, require
from .interactions import record


class CaseContextParams(Params):
    customer_id = Id(required=True)
    contact_id = Id(allow_none=True)
    email = fields.String(allow_none=True)


def case_context(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """What a complaint needs to know first: the customer's ABC class and whom to write to."""
    p = load(CaseContextParams(), params)
    session = ctx.session
    customer = require(session, Customer, p["customer_id"], "customer_id")
    contact = optional(session, Contact, p.get("contact_id"), "contact_id")
    if contact is not None and contact.customer_id != customer.id:
        raise bad("contact_id", f"contact {contact.id} belongs to another customer")
    if contact is None and p.get("email"):
        found = crm.find_contacts_by_email(session, p["email"])
        contact = next((c for c in found if c.customer_id == customer.id), None)
    email = None
    if contact is not None:
        email = session.scalar(
            sa.select(ContactEmail.address)
            .where(ContactEmail.contact_id == contact.id)
            .order_by(ContactEmail.id)
            .limit(1)
        )
    return {
        "customer_id": customer.id,
        "customer_name": customer.name,
        "abc_class": str(customer.abc_class),
        "contact_id": contact.id if contact is not None else None,
        "contact_email": email,
    }


class OpenCaseParams(CaseSchema):
    """The case's fields; ``first_response_in``/``resolution_in`` are SLAs counted from now."""

    first_response_in = Duration(allow_none=True, load_default=None)
    resolution_in = Duration(allow_none=True, load_default=None)

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
    _due_from_durations(p)
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


def _due_from_durations(p: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    for duration, due in (
        ("first_response_in", "first_response_due"),
        ("resolution_in", "resolution_due"),
    ):
        value = p.pop(duration, None)
        if value and not p.get(due):
            p[due] = business_deadline(now, value)


class FirstResponseParams(Params):
    case_id = Id(required=True)
    response = fields.String(required=True, validate=validate.Length(1, 4000))
    channel = fields.String(load_default="email", validate=validate.OneOf(["email", "phone"]))


def record_first_response(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Stamp the first response, make its author the case owner, and log it on the timeline."""
    p = load(FirstResponseParams(), params)
    session = ctx.session
    case = open_case_row(session, p["case_id"])
    now = datetime.now(UTC)
    case.first_responded_at = case.first_responded_at or now
    case.status = CaseStatus.IN_PROGRESS
    case.owner = ctx.user or case.owner
    kind = InteractionKind.EMAIL if p["channel"] == "email" else InteractionKind.CALL
    record(
        session,
        {
            "kind": kind,
            "direction": Direction.OUTBOUND,
            "channel": p["channel"],
            "subject": f"[{case.number}] First response",
            "body": p["response"],
            "customer_id": case.customer_id,
            "contact_id": case.contact_id,
            "case_id": case.id,
        },
        employee=ctx.user,
    )
    return {
        "case_id": case.id,
        "owner": case.owner,
        "first_responded_at": _iso(case.first_responded_at),
        "within_sla": case.first_response_due is None
        or _aware(case.first_responded_at) <= _aware(case.first_response_due),
    }


class SuggestParams(Params):
    text = fields.String(required=True)
    limit = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 20))


def suggest_articles(ctx: StepContext, **params: Any) -> list[dict[str, Any]]:
    """Published knowledge-base articles ranked by the words they share with the complaint."""
    p = load(SuggestParams(), params)
    words = _words(p["text"])
    if not words:
        return []
    scored = []
    for article in ctx.session.scalars(sa.select(Article).where(Article.published.is_(True))):
        tags = {t.lower() for t in article.tags or []}
        score = 2 * len(words & tags) + len(words & _words(article.title))
        if score:
            scored.append((-score, article.id, article))
    scored.sort(key=lambda row: row[:2])
    return [{"id": a.id, "title": a.title, "score": -s} for s, _id, a in scored[: p["limit"]]]


_WORD = re.compile(r"[^\W_]{3,}")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")}


class ResolveCaseParams(Params):
    case_id = Id(required=True)
    resolution = fields.String(required=True, validate=validate.Length(1, 4000))
    article_id = Id(allow_none=True)


def resolve_case(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record the proposed resolution; the case waits for the customer's answer."""
    p = load(ResolveCaseParams(), params)
    session = ctx.session
    case = open_case_row(session, p["case_id"])
    article = optional(session, Article, p.get("article_id"), "article_id")
    case.resolution = p["resolution"]
    case.resolved_at = datetime.now(UTC)
    case.status = CaseStatus.WAITING_CUSTOMER
    return {
        "case_id": case.id,
        "status": str(case.status),
        "article_id": article.id if article is not None else None,
        "within_sla": case.resolution_due is None
        or _aware(case.resolved_at) <= _aware(case.resolution_due),
    }


class ReopenCaseParams(Params):
    case_id = Id(required=True)
    reason = fields.String(allow_none=True)


def reopen_case(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """The customer says it is not solved: back to work, with their words on the timeline."""
    p = load(ReopenCaseParams(), params)
    session = ctx.session
    case = open_case_row(session, p["case_id"])
    case.status = CaseStatus.REOPENED
    case.resolved_at = None
    record(
        session,
        {
            "kind": InteractionKind.NOTE,
            "direction": Direction.INBOUND,
            "channel": "email",
            "subject": f"[{case.number}] Reopened: not solved",
            "body": p.get("reason") or None,
            "customer_id": case.customer_id,
            "contact_id": case.contact_id,
            "case_id": case.id,
        },
        employee=ctx.user,
    )
    return {"case_id": case.id, "status": str(case.status)}


def open_case_row(session: Any, case_id: int) -> Case:
    case = require(session, Case, case_id, "case_id")
    if case.status == CaseStatus.CLOSED:
        raise OperatorError(f"case {case.number} is closed")
    return case


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; the CRM stores UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    ("crm.case_context", case_context),
    ("crm.open_case", open_case),
    ("crm.record_first_response", record_first_response),
    ("crm.suggest_articles", suggest_articles),
    ("crm.resolve_case", resolve_case),
    ("crm.reopen_case", reopen_case),
    ("crm.close_case", close_case),
)
