"""Leads: record interest from any channel, find who it already is, convert it to a sale.

Conversion reuses the customer and contact dedup found (or finds them again),
so a lead from an existing customer never creates a twin account.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

import crm
from crm.models import (
    Campaign,
    CampaignMember,
    Contact,
    Customer,
    Deal,
    DealStage,
    Employee,
    Lead,
    LeadStatus,
    MemberStatus,
)
from crm.schemas import LeadSchema
from crm.schemas.fields import by_value, money
from engine import OperatorError, StepContext

from ._params import Id, Params, bad, load, optional, require
from .contacts import new_contact
from .owners import STRATEGIES, assign_owner

CLOSED = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)


class CreateLeadParams(LeadSchema):
    class Meta(LeadSchema.Meta):
        exclude = ("converted_at",)

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not any(data.get(k) for k in ("phone", "email", "company_name")):
            raise ValidationError("a lead needs a phone, an email or a company_name", "phone")


def create_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Create a lead from any channel; its phone and email are stored normalised."""
    p = load(CreateLeadParams(), params)
    session = ctx.session
    optional(session, Campaign, p.get("campaign_id"), "campaign_id")
    optional(session, Customer, p.get("customer_id"), "customer_id")
    optional(session, Contact, p.get("contact_id"), "contact_id")
    lead = Lead(**p)
    session.add(lead)
    session.flush()
    return {"lead_id": lead.id, "status": str(lead.status)}


class LeadIdParams(Params):
    lead_id = Id(required=True)


def dedupe_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Attach the lead to the customer it already is, and list other open leads of the person.

    The process decides what a duplicate means (merge, disqualify, route to the
    account owner); this only finds and records the match.
    """
    p = load(LeadIdParams(), params)
    session = ctx.session
    lead = require(session, Lead, p["lead_id"], "lead_id")
    match = crm.match_customer(
        session, phone=lead.phone, email=lead.email, company=lead.company_name
    )
    if match is not None:
        lead.customer_id = match.customer_id
        lead.contact_id = match.contact_id or lead.contact_id
    return {
        "lead_id": lead.id,
        "duplicate": match is not None,
        "customer_id": lead.customer_id,
        "contact_id": lead.contact_id,
        "matched_by": str(match.by) if match is not None else None,
        "score": match.score if match is not None else None,
        "ambiguous": bool(match and match.ambiguous),
        "candidates": list(match.candidates) if match is not None else [],
        "open_lead_ids": _other_open_leads(session, lead),
    }


def _other_open_leads(session: Session, lead: Lead) -> list[int]:
    same = []
    if lead.phone:
        same.append(Lead.phone == lead.phone)
    if lead.email:
        same.append(Lead.email == lead.email)
    if not same:
        return []
    query = (
        sa.select(Lead.id)
        .where(sa.or_(*same), Lead.id != lead.id, Lead.status.not_in(CLOSED))
        .order_by(Lead.id)
    )
    return list(session.scalars(query))


class ConvertLeadParams(Params):
    lead_id = Id(required=True)
    deal_name = fields.String(allow_none=True, validate=validate.Length(1, 200))
    amount = money(allow_none=True, validate=validate.Range(min=0))
    currency = fields.String(allow_none=True, validate=validate.Length(3, 3))
    expected_close = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))
    first_name = fields.String(allow_none=True, validate=validate.Length(1, 100))
    last_name = fields.String(allow_none=True, validate=validate.Length(1, 100))
    company_name = fields.String(allow_none=True, validate=validate.Length(1, 200))


NAME_FIELDS = ("first_name", "last_name", "company_name")


def convert_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Turn a qualified lead into a customer, a contact and a deal that points back at it.

    Names given here complete the lead first (a caller is often known only by
    number until someone talks to them).
    """
    p = load(ConvertLeadParams(), params)
    session = ctx.session
    lead = require(session, Lead, p["lead_id"], "lead_id")
    if lead.status in CLOSED:
        raise OperatorError(f"lead {lead.id} is already {lead.status}; it cannot be converted")
    for name in NAME_FIELDS:  # what qualification learnt about a caller known only by number
        if p.get(name):
            setattr(lead, name, p[name])
    customer, contact, created = _customer_and_contact(session, lead)
    deal = Deal(
        customer=customer,
        contact_id=contact.id,
        name=p.get("deal_name") or customer.name,
        amount=p.get("amount") or Decimal("0.00"),
        currency=p.get("currency") or "RUB",
        expected_close=p.get("expected_close"),
        owner=p.get("owner") or lead.owner,
        stage=DealStage.QUALIFICATION,
        lead_id=lead.id,
        campaign_id=lead.campaign_id,
    )
    session.add(deal)
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = datetime.now(UTC)
    lead.customer_id, lead.contact_id = customer.id, contact.id
    _attribute_to_campaign(session, lead)
    session.flush()
    return {
        "lead_id": lead.id,
        "customer_id": customer.id,
        "contact_id": contact.id,
        "deal_id": deal.id,
        "customer_created": created,
    }


def _customer_and_contact(session: Session, lead: Lead) -> tuple[Customer, Contact, bool]:
    """The lead's customer and contact: as dedup attached them, as found now, or new."""
    contact = session.get(Contact, lead.contact_id) if lead.contact_id else None
    customer = contact.customer if contact is not None else None
    if customer is None and lead.customer_id:
        customer = session.get(Customer, lead.customer_id)
    if customer is None:
        match = crm.match_customer(
            session, phone=lead.phone, email=lead.email, company=lead.company_name
        )
        if match is not None:
            customer = session.get(Customer, match.customer_id)
            contact = session.get(Contact, match.contact_id) if match.contact_id else None
    created = customer is None
    if contact is None:
        details = {
            "first_name": lead.first_name or lead.last_name,
            "last_name": lead.last_name if lead.first_name else None,
            "title": lead.title,
            "phone": lead.phone,
            "email": lead.email,
            "company": lead.company_name,
        }
        if not details["first_name"]:
            raise OperatorError(f"lead {lead.id} has no first_name or last_name for its contact")
        contact = new_contact(session, details, customer)
        customer = contact.customer
    assert customer is not None
    if created:
        customer.segment, customer.territory = lead.segment, lead.territory
        customer.owner = lead.owner
    session.flush()
    return customer, contact, created


def _attribute_to_campaign(session: Session, lead: Lead) -> None:
    """Mark the campaign member whose response became this lead as converted."""
    member = session.scalars(
        sa.select(CampaignMember).where(CampaignMember.lead_id == lead.id)
    ).first()
    if member is not None:
        member.status = MemberStatus.CONVERTED


class UpdateLeadParams(Params):
    """Left-out or null parameters leave their field as it is."""

    lead_id = Id(required=True)
    status = by_value(LeadStatus, allow_none=True)
    score = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 100))
    disqualify_reason = fields.String(allow_none=True, validate=validate.Length(1, 200))


def update_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record a lead's score and status as it is worked, nurtured or disqualified.

    Converting goes through ``crm.convert_lead`` (it creates the customer and
    deal), and a closed lead stays closed: a process that reopens one is wrong.
    """
    p = {k: v for k, v in load(UpdateLeadParams(), params).items() if v is not None}
    lead = require(ctx.session, Lead, p.pop("lead_id"), "lead_id")
    status = p.get("status")
    if lead.status in CLOSED and status not in (None, lead.status):
        raise bad("status", f"lead {lead.id} is already {lead.status}; it cannot be reopened")
    if status == LeadStatus.CONVERTED:
        raise bad("status", "use crm.convert_lead to convert a lead")
    if status == LeadStatus.DISQUALIFIED and not p.get("disqualify_reason"):
        raise bad("disqualify_reason", "required when the status is 'disqualified'")
    for key, value in p.items():
        setattr(lead, key, value)
    return {
        "lead_id": lead.id,
        "status": str(lead.status),
        "score": lead.score,
        "disqualify_reason": lead.disqualify_reason,
    }


class RouteLeadParams(Params):
    lead_id = Id(required=True)
    team = fields.String(allow_none=True, validate=validate.Length(max=50))
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    strategy = fields.String(load_default="least_loaded", validate=validate.OneOf(STRATEGIES))


def route_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Give the lead an owner: the account owner of a known customer, else one of the team.

    A team with no active employee is not an error here: the lead stays
    without an owner and its tasks go to the lane's group queue.
    """
    p = load(RouteLeadParams(), params)
    session = ctx.session
    lead = require(session, Lead, p["lead_id"], "lead_id")
    customer = session.get(Customer, lead.customer_id) if lead.customer_id else None
    if customer is not None and customer.owner and _active(session, customer.owner):
        routed = assign_owner(ctx, entity="lead", record_id=lead.id, owner=customer.owner)
        return {**routed, "how": "account_owner"}
    if not _team_has_members(session, p.get("team"), p.get("territory")):
        territory = p.get("territory")
        if territory and _team_has_members(session, p.get("team"), None):
            p["territory"] = None  # nobody covers that territory: the whole team takes it
        else:
            return {"entity": "lead", "record_id": lead.id, "owner": None, "how": "queue"}
    return assign_owner(
        ctx,
        entity="lead",
        record_id=lead.id,
        team=p.get("team"),
        territory=p.get("territory"),
        strategy=p["strategy"],
    )


def _active(session: Session, username: str) -> bool:
    query = sa.select(Employee.id).where(Employee.username == username, Employee.active.is_(True))
    return session.scalar(query) is not None


def _team_has_members(session: Session, team: str | None, territory: str | None) -> bool:
    query = sa.select(Employee.id).where(Employee.active.is_(True))
    if team:
        query = query.where(Employee.team == team)
    if territory:
        query = query.where(Employee.territory == territory)
    return session.scalar(query.limit(1)) is not None


OPERATORS = (
    ("crm.create_lead", create_lead),
    ("crm.dedupe_lead", dedupe_lead),
    ("crm.convert_lead", convert_lead),
    ("crm.update_lead", update_lead),
    ("crm.route_lead", route_lead),
)
