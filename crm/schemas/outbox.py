"""Schema of an outbound message in the outbox."""

from __future__ import annotations

from marshmallow import fields, validate

from ..models.outbox import OutboxChannel, OutboxStatus
from .base import CrmSchema
from .fields import by_value, utc_datetime


class AttachmentRefSchema(CrmSchema):
    """A reference to a file the sender attaches; the bytes live elsewhere."""

    name = fields.String(required=True, validate=validate.Length(1, 255))
    ref = fields.String(required=True, validate=validate.Length(1, 1000))
    content_type = fields.String(
        load_default="application/octet-stream", validate=validate.Length(max=100)
    )


class OutboxMessageSchema(CrmSchema):
    id = fields.Integer(dump_only=True)
    channel = by_value(OutboxChannel, load_default=OutboxChannel.EMAIL)
    sender = fields.String(allow_none=True, validate=validate.Length(max=254))
    recipient = fields.String(required=True, validate=validate.Length(1, 254))
    cc = fields.List(fields.String(validate=validate.Length(1, 254)), load_default=list)
    subject = fields.String(allow_none=True, validate=validate.Length(max=300))
    body_text = fields.String(load_default="")
    body_html = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentRefSchema), load_default=list)
    message_id = fields.String(dump_only=True)
    in_reply_to = fields.String(allow_none=True, validate=validate.Length(max=255))
    references = fields.List(fields.String(validate=validate.Length(1, 255)), load_default=list)
    customer_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    quote_id = fields.Integer(allow_none=True)
    campaign_id = fields.Integer(allow_none=True)
    campaign_member_id = fields.Integer(allow_none=True)
    interaction_id = fields.Integer(dump_only=True)
    instance_id = fields.String(dump_only=True)
    task_id = fields.String(dump_only=True)
    status = by_value(OutboxStatus, dump_only=True)
    attempts = fields.Integer(dump_only=True)
    last_error = fields.String(dump_only=True)
    next_attempt_at = utc_datetime(dump_only=True)
    provider_id = fields.String(dump_only=True)
    created_at = utc_datetime(dump_only=True)
    sent_at = utc_datetime(dump_only=True)
