"""Webhook signatures: our HMAC-SHA256 header and Twilio's request signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from .errors import BadSignature, NotConfigured

SIGNATURE_HEADER = "X-Clientflow-Signature"
TWILIO_HEADER = "X-Twilio-Signature"


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str | None, body: bytes, header: str | None) -> None:
    """Raise :class:`BadSignature` unless ``header`` signs ``body`` with ``secret``."""
    if not secret:
        raise NotConfigured("set CLIENTFLOW_HOOK_SECRET to accept signed hooks")
    if not header:
        raise BadSignature(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sign(secret, body), header.strip()):
        raise BadSignature(f"{SIGNATURE_HEADER} does not match the body")


def verify_twilio(
    auth_token: str | None, url: str, params: Mapping[str, str], header: str | None
) -> None:
    """Raise :class:`BadSignature` unless Twilio signed this URL and these form fields."""
    if not auth_token:
        raise NotConfigured("set CLIENTFLOW_TWILIO_AUTH_TOKEN to accept Twilio callbacks")
    if not header:
        raise BadSignature(f"missing {TWILIO_HEADER} header")
    if not RequestValidator(auth_token).validate(url, dict(params), header):
        raise BadSignature(f"{TWILIO_HEADER} does not match the request")
