"""Call events from the generic signed JSON hook and from Twilio status callbacks.

Both become one normalised shape (``type`` ringing/answered/missed/ended, the
root ``call_id`` shared by all legs of a call) so correlation knows no provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

import crm

from .errors import UnreadableEvent
from .events import InboundEvent

CALL_TYPES = ("ringing", "answered", "missed", "ended")
TWILIO_STATUS = {
    "queued": "ringing",
    "initiated": "ringing",
    "ringing": "ringing",
    "in-progress": "answered",
    "answered": "answered",
    "completed": "ended",
    "busy": "missed",
    "no-answer": "missed",
    "failed": "missed",
    "canceled": "missed",
}


class CallEventSchema(Schema):
    """The generic hook's body (API.md "Hooks"); unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.String(required=True, validate=validate.Length(1, 200))
    type = fields.String(required=True, validate=validate.OneOf(CALL_TYPES))
    call_id = fields.String(required=True, validate=validate.Length(1, 200))
    from_ = fields.String(required=True, data_key="from", validate=validate.Length(1, 64))
    to = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    direction = fields.String(
        load_default="inbound", validate=validate.OneOf(("inbound", "outbound"))
    )
    at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    duration = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 86400)
    )
    recording_url = fields.Url(
        load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    parent_call_id = fields.String(load_default=None, allow_none=True)


def parse_generic(body: bytes, via: str = "hook") -> InboundEvent:
    """The event in a generic hook body, or :class:`UnreadableEvent` saying what is wrong."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnreadableEvent(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UnreadableEvent("the body must be a JSON object")
    try:
        loaded: dict[str, Any] = CallEventSchema().load(data)
    except ValidationError as exc:
        raise UnreadableEvent("the call event has invalid fields", _flat(exc.messages)) from exc
    root = loaded["parent_call_id"] or loaded["call_id"]
    fields_ = {
        "type": loaded["type"],
        "call_id": root,
        "leg_id": loaded["call_id"],
        "leg": bool(loaded["parent_call_id"]),
        "from": loaded["from_"],
        "to": loaded["to"],
        "direction": loaded["direction"],
        "at": loaded["at"].isoformat() if loaded["at"] else None,
        "duration": loaded["duration"],
        "recording_url": loaded["recording_url"],
    }
    return _event("telephony", loaded["event_id"], via, fields_)


def parse_twilio(form: Mapping[str, str], via: str = "hook") -> InboundEvent:
    """A Twilio voice status callback; one event per call leg and status."""
    sid = (form.get("CallSid") or "").strip()
    status = (form.get("CallStatus") or "").strip().lower()
    errors: dict[str, str] = {}
    if not sid or len(sid) > 64:
        errors["CallSid"] = "required: the Twilio call id"
    if status not in TWILIO_STATUS:
        errors["CallStatus"] = f"must be one of {', '.join(sorted(TWILIO_STATUS))}"
    duration = _duration(form.get("CallDuration"), errors)
    if errors:
        raise UnreadableEvent("the Twilio callback has invalid fields", errors)
    parent = (form.get("ParentCallSid") or "").strip() or None
    direction = "inbound" if form.get("Direction", "inbound") == "inbound" else "outbound"
    fields_ = {
        "type": TWILIO_STATUS[status],
        "status": status,  # Twilio's own word: why a call was not answered (busy, no-answer...)
        "call_id": parent or sid,
        "leg_id": sid,
        "leg": parent is not None,
        "from": form.get("From") or None,
        "to": form.get("To") or None,
        "direction": direction,
        "at": _twilio_time(form.get("Timestamp")),
        "duration": duration,
        "recording_url": form.get("RecordingUrl") or None,
    }
    return _event("twilio", f"{sid}:{status}", via, fields_)


def _duration(raw: str | None, errors: dict[str, str]) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) > 86400:
        errors["CallDuration"] = "must be a whole number of seconds"
        return None
    return int(raw)


def _event(source: str, provider_id: str, via: str, fields_: dict[str, Any]) -> InboundEvent:
    fields_["from"], fields_["to"] = _e164(fields_["from"]), _e164(fields_["to"])
    party = fields_["from"] if fields_["direction"] == "inbound" else fields_["to"]
    return InboundEvent(
        source=source,
        provider_id=provider_id,
        via=via,
        kind=f"call.{fields_['type']}",
        payload=fields_,
        sender=party,
        thread_key=f"call:{fields_['call_id']}",
    )


def _twilio_time(raw: str | None) -> str | None:
    """Twilio's RFC 2822 ``Timestamp`` as ISO 8601 (what the CRM reads), None if unreadable."""
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _e164(number: str | None) -> str | None:
    """The number in E.164 when it is one (so look-ups and the loop guard agree), else as given."""
    if not number:
        return None
    try:
        return crm.normalise_phone(number)
    except crm.InvalidPhoneError:
        return number


def _flat(messages: Any) -> dict[str, Any]:
    return dict(messages) if isinstance(messages, dict) else {"_schema": messages}
