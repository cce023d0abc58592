"""The hook endpoints: verify, read, journal, answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import OperationalError

from integrations import (
    BadSignature,
    InboundEvent,
    NotConfigured,
    UnreadableEvent,
    email_event,
    parse_email,
    parse_generic,
    parse_twilio,
    verify,
    verify_twilio,
)
from integrations.signing import SIGNATURE_HEADER, TWILIO_HEADER

from .service import current_service

bp = Blueprint("hooks", __name__)


@bp.post("/telephony")
def telephony() -> tuple[Response, int]:
    body = request.get_data()
    verify(current_service().hook_secret, body, request.headers.get(SIGNATURE_HEADER))
    return _journal(parse_generic(body))


@bp.post("/twilio/voice")
def twilio_voice() -> tuple[Response, int]:
    form = request.form.to_dict(flat=True)
    header = request.headers.get(TWILIO_HEADER)
    verify_twilio(current_service().twilio_auth_token, _public_url(), form, header)
    return _journal(parse_twilio(form))


@bp.post("/email")
def email() -> tuple[Response, int]:
    raw = request.get_data()
    verify(current_service().hook_secret, raw, request.headers.get(SIGNATURE_HEADER))
    return _journal(email_event(parse_email(raw), raw, via="hook"))


def _journal(event: InboundEvent) -> tuple[Response, int]:
    event_id, created = current_service().ingest(event)
    status = "journaled" if created else "duplicate"
    return jsonify({"event_id": event_id, "status": status}), 202 if created else 200


def _public_url() -> str:
    """The URL Twilio signed: ``PUBLIC_URL`` (behind a proxy) plus the path, or as received."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return str(base).rstrip("/") + request.path + (f"?{query}" if query else "")


@bp.errorhandler(UnreadableEvent)
def _unreadable(exc: UnreadableEvent) -> tuple[Response, int]:
    body = {"error": "unreadable", "message": exc.message, "errors": exc.errors}
    return jsonify(body), 400


@bp.errorhandler(BadSignature)
@bp.errorhandler(NotConfigured)
def _unsigned(exc: Exception) -> tuple[Response, int]:
    return jsonify({"error": "bad_signature", "message": str(exc)}), 401


@bp.errorhandler(OperationalError)
def _database_down(exc: OperationalError) -> tuple[Response, int]:
    """Nothing was journaled: the provider should deliver again later."""
    body = {"error": "unavailable", "message": "the event journal is unavailable; retry later"}
    return jsonify(body), 503
