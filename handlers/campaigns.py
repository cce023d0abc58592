"""Campaigns: the brief, the target list, delivery in batches, responses, and results.

Members are added in the step that builds the list, so later steps work from
rows, not from a list carried in task data: a 10,000-contact campaign must not
become a 10,000-item variable, nor a task tree of 10,000 tasks. Delivery goes
out in bounded batches (one step each), responses arrive one message at a time
and become leads attributed to the campaign, and the results are counted from
the CRM at the end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from crm.models import (
    AbcClass,
    Campaign,
    CampaignChannel,
    CampaignMember,
    CampaignStatus,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Deal,
    DealStage,
    Lead,
    LeadSource,
    LeadStatus,
    MemberStatus,
)
from crm.schemas import CampaignSchema
from crm.schemas.fields import by_value, money
from engine import OperatorError, StepContext

from . import mail
from ._params import Id, Params, bad, load, optional, require

NEEDS_PHONE = (CampaignChannel.PHONE, CampaignChannel.SMS)
MAX_IDS = 10_000


class SegmentMembersParams(Params):
    campaign_id = Id(allow_none=True)
    segment = fields.String(allow_none=True, validate=validate.Length(1, 50))
    territory = fields.String(allow_none=True, validate=validate.Length(1, 50))
    abc_class = fields.List(by_value(AbcClass), allow_none=True)
    channel = by_value(CampaignChannel, allow_none=True)
    with_ids = fields.Boolean(load_default=False)


def segment_members(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Count (and, for a campaign, add as members) the reachable contacts of a segment.

    The segment, territory and ABC classes filter customers; the channel
    (the campaign's unless given) keeps contacts with an email, or a phone for
    calls and SMS. Contacts who opted out are counted apart and never added.
    """
    p = load(SegmentMembersParams(), params)
    session = ctx.session
    campaign = optional(session, Campaign, p.get("campaign_id"), "campaign_id")
    segment = p.get("segment") or (campaign.segment if campaign else None)
    if not segment:
        raise bad("segment", "required (the campaign names no segment)")
    channel = p.get("channel") or (campaign.channel if campaign else None)
    matching = _matching(segment, p.get("territory"), p.get("abc_class"), channel)
    ids = list(session.scalars(matching.where(Contact.opt_out.is_(False)).order_by(Contact.id)))
    opted_out = session.scalar(
        sa.select(sa.func.count()).select_from(matching.where(Contact.opt_out.is_(True)).subquery())
    )
    added = _add_members(session, campaign, ids) if campaign is not None else 0
    result: dict[str, Any] = {
        "campaign_id": campaign.id if campaign is not None else None,
        "segment": segment,
        "count": len(ids),
        "added": added,
        "opted_out": int(opted_out or 0),
    }
    if p["with_ids"]:
        if len(ids) > MAX_IDS:
            raise bad("with_ids", f"{len(ids)} contacts are too many for task data ({MAX_IDS} max)")
        result["contact_ids"] = ids
    return result


def _matching(
    segment: str,
    territory: str | None,
    classes: list[AbcClass] | None,
    channel: CampaignChannel | None,
) -> sa.Select[int]:
    query = sa.select(Contact.id).join(Customer).where(Customer.segment == segment)
    if territory:
        query = query.where(Customer.territory == territory)
    if classes:
        query = query.where(Customer.abc_class.in_(classes))
    if channel == CampaignChannel.EMAIL:
        query = query.where(sa.exists().where(ContactEmail.contact_id == Contact.id))
    elif channel in NEEDS_PHONE:
        query = query.where(sa.exists().where(ContactPhone.contact_id == Contact.id))
    return query


def _add_members(session: Session, campaign: Campaign, contact_ids: list[int]) -> int:
    """Add the contacts not yet members; running it again adds nobody twice."""
    known = set(
        session.scalars(
            sa.select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign.id)
        )
    )
    new = [cid for cid in contact_ids if cid not in known]
    session.add_all(CampaignMember(campaign_id=campaign.id, contact_id=cid) for cid in new)
    return len(new)


LAUNCH_AT = time(6, 0)  # 09:00 in Moscow: launches and end dates count from office morning
BATCH_MAX = 2_000


class CreateCampaignParams(CampaignSchema):
    class Meta(CampaignSchema.Meta):
        exclude = ("status", "actual_cost")


def create_campaign(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Create the campaign from its brief; ``start_at``/``end_at`` are its timer moments."""
    p = load(CreateCampaignParams(), params)
    if not p.get("start_date") or not p.get("end_date"):
        raise bad("start_date", "a campaign needs a start_date and an end_date")
    campaign = Campaign(status=CampaignStatus.APPROVED, **p)
    campaign.owner = campaign.owner or ctx.user
    ctx.session.add(campaign)
    ctx.session.flush()
    return {
        "campaign_id": campaign.id,
        "status": str(campaign.status),
        "start_at": _moment(p["start_date"]),
        "end_at": _moment(p["end_date"] + timedelta(days=1)),
    }


def _moment(day: date) -> str:
    return datetime.combine(day, LAUNCH_AT, tzinfo=UTC).isoformat()


class BuildListParams(Params):
    campaign_id = Id(required=True)
    segment = fields.String(allow_none=True, validate=validate.Length(1, 50))


def build_target_list(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """(Re)build the target list from a segment; members not yet contacted are replaced."""
    p = load(BuildListParams(), params)
    session = ctx.session
    campaign = require(session, Campaign, p["campaign_id"], "campaign_id")
    if p.get("segment"):
        campaign.segment = p["segment"]
    for member in session.scalars(
        sa.select(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.status == MemberStatus.TARGETED,
        )
    ):
        session.delete(member)
    session.flush()
    return segment_members(ctx, campaign_id=campaign.id)


class StatusParams(Params):
    campaign_id = Id(required=True)
    status = by_value(CampaignStatus, required=True)


def set_campaign_status(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Move the campaign to ``status`` (active at launch, cancelled when the list is refused)."""
    p = load(StatusParams(), params)
    campaign = require(ctx.session, Campaign, p["campaign_id"], "campaign_id")
    if campaign.status in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED):
        raise OperatorError(f"campaign {campaign.id} is already {campaign.status}")
    campaign.status = p["status"]
    return {"campaign_id": campaign.id, "status": str(campaign.status)}


class BatchParams(Params):
    campaign_id = Id(required=True)
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True, validate=validate.Length(min=1))
    limit = fields.Integer(load_default=500, strict=True, validate=validate.Range(1, BATCH_MAX))


def send_campaign_batch(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Queue the campaign email for the next ``limit`` targeted members through ``mail.send``.

    Each member's message is an outbox row linked to the member; the member
    becomes ``sent``. A member whose contact lost its email meanwhile is
    ``bounced``. ``remaining`` says whether another batch is needed.
    """
    p = load(BatchParams(), params)
    session = ctx.session
    campaign = require(session, Campaign, p["campaign_id"], "campaign_id")
    rows = session.execute(
        sa.select(CampaignMember, ContactEmail.address)
        .outerjoin(ContactEmail, ContactEmail.contact_id == CampaignMember.contact_id)
        .where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.status == MemberStatus.TARGETED,
        )
        .order_by(CampaignMember.id, ContactEmail.id)
        .limit(p["limit"] * 2)
    ).all()
    sent = bounced = 0
    seen: set[int] = set()
    for member, address in rows:
        if member.id in seen or len(seen) >= p["limit"]:
            continue
        seen.add(member.id)
        if address is None:
            member.status, bounced = MemberStatus.BOUNCED, bounced + 1
            continue
        mail.send(
            ctx,
            to=address,
            subject=p["subject"],
            body=p["body"],
            contact_id=member.contact_id,
            campaign_id=campaign.id,
            campaign_member_id=member.id,
        )
        member.status, sent = MemberStatus.SENT, sent + 1
    session.flush()
    return {"sent": sent, "bounced": bounced, "remaining": _count_targeted(session, campaign.id)}


def _count_targeted(session: Session, campaign_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(CampaignMember)
            .where(
                CampaignMember.campaign_id == campaign_id,
                CampaignMember.status == MemberStatus.TARGETED,
            )
        )
        or 0
    )


class SplitParams(Params):
    campaign_id = Id(required=True)
    parts = fields.Integer(required=True, strict=True, validate=validate.Range(1, 50))


def split_call_list(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Split the members into ``parts`` call lists (member id modulo parts), marked as sent.

    The process hands one call task per list to the sales team, so the team
    shares the calls however large the campaign is.
    """
    p = load(SplitParams(), params)
    session = ctx.session
    campaign = require(session, Campaign, p["campaign_id"], "campaign_id")
    counts = [0] * p["parts"]
    for member in session.scalars(
        sa.select(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.status == MemberStatus.TARGETED,
        )
    ):
        counts[member.id % p["parts"]] += 1
        member.status = MemberStatus.SENT
    lists = [{"part": i, "parts": p["parts"], "count": n} for i, n in enumerate(counts) if n]
    return {"lists": lists, "members": sum(counts)}


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
    ("crm.segment_members", segment_members),
    ("crm.create_campaign", create_campaign),
    ("crm.build_target_list", build_target_list),
    ("crm.set_campaign_status", set_campaign_status),
    ("crm.send_campaign_batch", send_campaign_batch),
    ("crm.split_call_list", split_call_list),
    ("crm.record_campaign_response", record_campaign_response),
    ("crm.close_campaign_lead", close_campaign_lead),
    ("crm.campaign_results", campaign_results),
    ("crm.complete_campaign", complete_campaign),
)
