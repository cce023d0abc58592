"""Campaign target lists: the contacts of a CRM segment, opt-outs excluded.

Members are added in the step that builds the list, so a later step (or one
instance per member) works from rows, not from a list carried in task data:
a 10,000-contact campaign must not become a 10,000-item variable.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from crm.models import (
    AbcClass,
    Campaign,
    CampaignChannel,
    CampaignMember,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
)
from crm.schemas.fields import by_value
from engine import StepContext

from ._params import Id, Params, bad, load, optional

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


OPERATORS = (("crm.segment_members", segment_members),)
