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
    Lead,
    LeadStatus,
    MemberStatus,
)
from crm.schemas import LeadSchema
from crm.schemas.fields import money
from engine import OperatorError, StepContext

from ._params import Id, Params, load, optional, require
from .contacts import new_contact

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


def convert_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Turn a qualified lead into a customer, a contact and a deal that points back at it."""
    p = load(ConvertLeadParams(), params)
    session = ctx.session
    lead = require(session, Lead, p["lead_id"], "lead_id")
    if lead.status in CLOSED:
        raise OperatorError(f"lead {lead.id} is already {lead.status}; it cannot be converted")
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


OPERATORS = (
    ("crm.create_lead", create_lead),
    ("crm.dedupe_lead", dedupe_lead),
    ("crm.convert_lead", convert_lead),
)
