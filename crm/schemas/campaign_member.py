"""Schema of a campaign member and their response."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.campaign_member import MemberStatus
from .base import CrmSchema
from .fields import by_value, utc_datetime


class CampaignMemberSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    campaign_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    status = by_value(MemberStatus, load_default=MemberStatus.TARGETED)
    response = fields.String(allow_none=True, validate=validate.Length(max=200))
    responded_at = utc_datetime(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
