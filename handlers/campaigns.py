"""Campaigns: the brief, the target list, delivery in batches, responses, and results.

Members are added in the step that builds the list, so later steps work from
rows, not from a list carried in task data: a 10,000-contact campaign must not
become a 10,000-item variable, nor a task tree of 10,000 tasks. Delivery goes
out in bounded batches (one step each). Responses and results are in
:mod:`handlers.campaign_results`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
    MemberStatus,
)
from crm.schemas import CampaignSchema
from crm.schemas.fields import by_value
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


OPERATORS = (
    ("crm.segment_members", segment_members),
    ("crm.create_campaign", create_campaign),
    ("crm.build_target_list", build_target_list),
    ("crm.set_campaign_status", set_campaign_status),
    ("crm.send_campaign_batch", send_campaign_batch),
    ("crm.split_call_list", split_call_list),
)
