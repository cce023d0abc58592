"""Campaign responses and results: leads attributed to the campaign, figures with ROI.

Responses arrive one message at a time (a ``campaign_response`` instance each)
and an interested one becomes a lead attributed to the campaign; the results
are counted from the CRM at the end, never carried in task data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from crm.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Contact,
    ContactEmail,
    Deal,
    DealStage,
    Lead,
    LeadSource,
    LeadStatus,
    MemberStatus,
)
from crm.schemas.fields import money
from engine import OperatorError, StepContext

from ._params import Id, Params, bad, load, require

RESPONSES = ("interested", "not_interested", "unsubscribe")


class ResponseParams(Params):
    campaign_id = Id(required=True)
    member_id = Id(allow_none=True)
    email = fields.String(allow_none=True)
    response = fields.String(load_default="interested", validate=validate.OneOf(RESPONSES))
    note = fields.String(allow_none=True, validate=validate.Length(max=200))


def record_campaign_response(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record a member's response; an interested one becomes a lead with campaign attribution.

    The member is named by ``member_id`` or by the ``email`` of its contact. A
    response the campaign cannot take (it is not active, the sender is no member,
    the member already responded) changes nothing and says why (``accepted``
    false, ``reason``). An unsubscribe opts the contact out of every campaign.
    """
    p = load(ResponseParams(), params)
    session = ctx.session
    campaign = require(session, Campaign, p["campaign_id"], "campaign_id")
    member = _member(session, campaign, p.get("member_id"), p.get("email"))
    ignored = {"member_id": None, "lead_id": None, "created": False, "accepted": False}
    if campaign.status != CampaignStatus.ACTIVE:  # before the launch or after the end date
        return {**ignored, "reason": f"campaign {campaign.id} is {campaign.status}"}
    if member is None:  # not ours: ignored, so a stray message is never an incident
        return {**ignored, "reason": "not a member of the campaign"}
    result = {"member_id": member.id, "lead_id": member.lead_id, "created": False}
    if member.status in (MemberStatus.RESPONDED, MemberStatus.CONVERTED, MemberStatus.OPTED_OUT):
        return {**result, "accepted": False, "reason": "the member already responded"}
    member.responded_at = datetime.now(UTC)
    member.response = (p.get("note") or p["response"])[:200]
    member.status = MemberStatus.RESPONDED
    contact = session.get(Contact, member.contact_id)
    assert contact is not None
    if p["response"] == "unsubscribe":
        member.status, contact.opt_out = MemberStatus.OPTED_OUT, True
    elif p["response"] == "interested":
        member.lead_id = _lead_for(session, campaign, contact).id
        result.update(lead_id=member.lead_id, created=True)
    return {**result, "accepted": True, "status": str(member.status)}


def _member(
    session: Session, campaign: Campaign, member_id: int | None, email: str | None
) -> CampaignMember | None:
    query = sa.select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
    if member_id is not None:
        query = query.where(CampaignMember.id == member_id)
    elif email:
        query = query.join(
            ContactEmail, ContactEmail.contact_id == CampaignMember.contact_id
        ).where(ContactEmail.address == email.strip().lower())
    else:
        raise bad("member_id", "give the member_id or the email of the member who responded")
    return session.scalars(query.limit(1)).first()


def _lead_for(session: Session, campaign: Campaign, contact: Contact) -> Lead:
    customer = contact.customer
    phone = contact.phones[0].number if contact.phones else None
    email = contact.emails[0].address if contact.emails else None
    lead = Lead(
        source=LeadSource.CAMPAIGN,
        campaign_id=campaign.id,
        first_name=contact.first_name,
        last_name=contact.last_name,
        title=contact.title,
        phone=phone,
        email=email,
        company_name=customer.name if customer is not None else None,
        customer_id=contact.customer_id,
        contact_id=contact.id,
        segment=customer.segment if customer is not None else None,
        territory=customer.territory if customer is not None else None,
    )
    session.add(lead)
    session.flush()
    return lead


class CloseLeadParams(Params):
    lead_id = Id(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 200))


def close_campaign_lead(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Disqualify a campaign lead that sales found not interested, keeping the reason."""
    p = load(CloseLeadParams(), params)
    lead = require(ctx.session, Lead, p["lead_id"], "lead_id")
    if lead.status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
        raise OperatorError(f"lead {lead.id} is already {lead.status}")
    lead.status, lead.disqualify_reason = LeadStatus.DISQUALIFIED, p["reason"]
    return {"lead_id": lead.id, "status": str(lead.status)}


class ResultsParams(Params):
    campaign_id = Id(required=True)
    actual_cost = money(allow_none=True, validate=validate.Range(min=0))


def campaign_results(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Response rate, leads, deals, revenue and ROI, counted from the CRM (cost: the budget)."""
    p = load(ResultsParams(), params)
    campaign = require(ctx.session, Campaign, p["campaign_id"], "campaign_id")
    return _figures(ctx.session, campaign, p.get("actual_cost"))


def complete_campaign(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record the actual cost and mark the campaign completed; returns the final figures."""
    p = load(ResultsParams(), params)
    campaign = require(ctx.session, Campaign, p["campaign_id"], "campaign_id")
    if campaign.status == CampaignStatus.CANCELLED:
        raise OperatorError(f"campaign {campaign.id} is cancelled")
    if p.get("actual_cost") is not None:
        campaign.actual_cost = p["actual_cost"]
    campaign.status = CampaignStatus.COMPLETED
    ctx.session.flush()
    return _figures(ctx.session, campaign, campaign.actual_cost)


def _figures(session: Session, campaign: Campaign, cost: Decimal | None) -> dict[str, Any]:
    by_status = dict(
        session.execute(
            sa.select(CampaignMember.status, sa.func.count())
            .where(CampaignMember.campaign_id == campaign.id)
            .group_by(CampaignMember.status)
        ).all()
    )
    members = sum(by_status.values())
    responded = sum(
        by_status.get(s, 0)
        for s in (MemberStatus.RESPONDED, MemberStatus.CONVERTED, MemberStatus.OPTED_OUT)
    )
    reached = (
        members - by_status.get(MemberStatus.TARGETED, 0) - by_status.get(MemberStatus.BOUNCED, 0)
    )
    leads = session.scalar(
        sa.select(sa.func.count()).select_from(Lead).where(Lead.campaign_id == campaign.id)
    )
    deals = session.execute(
        sa.select(Deal.stage, Deal.amount).where(Deal.campaign_id == campaign.id)
    ).all()
    revenue = sum((a for stage, a in deals if stage == DealStage.WON), Decimal("0.00"))
    pipeline = sum((a for stage, a in deals if not stage.is_closed), Decimal("0.00"))
    spent = cost if cost is not None else campaign.budget
    return {
        "campaign_id": campaign.id,
        "status": str(campaign.status),
        "members": members,
        "reached": reached,
        "responded": responded,
        "response_rate_pct": _pct(Decimal(responded), Decimal(reached)),
        "expected_response_pct": _text(campaign.expected_response_pct),
        "leads": int(leads or 0),
        "deals": len(deals),
        "won_deals": sum(1 for stage, _a in deals if stage == DealStage.WON),
        "pipeline": _text(pipeline),
        "revenue": _text(revenue),
        "cost": _text(spent),
        "roi_pct": _pct(revenue - spent, spent) if spent else None,
    }


def _pct(part: Decimal, whole: Decimal) -> str | None:
    if not whole:
        return None
    return str((part * 100 / whole).quantize(Decimal("0.01")))


def _text(value: Decimal | None) -> str | None:
    return str(Decimal(value).quantize(Decimal("0.01"))) if value is not None else None


OPERATORS = (
    ("crm.record_campaign_response", record_campaign_response),
    ("crm.close_campaign_lead", close_campaign_lead),
    ("crm.campaign_results", campaign_results),
    ("crm.complete_campaign", complete_campaign),
)
