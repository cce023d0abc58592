"""Twilio: click-to-call through Twilio's REST API (the ``twilio`` package).

Twilio first calls the agent, then (the TwiML ``<Dial>``) the customer; every
status change of the call is posted to ``/hooks/twilio/voice``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from ..errors import NotConfigured
from .base import PlacedCall, ProviderError

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


@dataclass
class TwilioCalls:
    account_sid: str
    auth_token: str
    caller_id: str
    status_callback: str | None = None
    http_client: Any = None
    name: str = "twilio"

    @classmethod
    def from_env(cls) -> TwilioCalls:
        sid = os.environ.get("CLIENTFLOW_TWILIO_ACCOUNT_SID")
        token = os.environ.get("CLIENTFLOW_TWILIO_AUTH_TOKEN")
        caller = os.environ.get("CLIENTFLOW_TWILIO_CALLER_ID")
        if not (sid and token and caller):
            raise NotConfigured(
                "set CLIENTFLOW_TWILIO_ACCOUNT_SID, CLIENTFLOW_TWILIO_AUTH_TOKEN and"
                " CLIENTFLOW_TWILIO_CALLER_ID to place calls through Twilio"
            )
        base = os.environ.get("CLIENTFLOW_PUBLIC_URL")
        callback = f"{base.rstrip('/')}/hooks/twilio/voice" if base else None
        return cls(sid, token, caller, callback)

    def place_call(self, to: str, agent: str) -> PlacedCall:
        client = Client(self.account_sid, self.auth_token, http_client=self.http_client)
        twiml = (
            f'<Response><Dial callerId="{escape(self.caller_id)}">{escape(to)}</Dial></Response>'
        )
        options: dict[str, Any] = {"to": agent, "from_": self.caller_id, "twiml": twiml}
        if self.status_callback:
            options.update(
                status_callback=self.status_callback, status_callback_event=STATUS_EVENTS
            )
        try:
            call = client.calls.create(**options)
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the call: {exc}") from exc
        return PlacedCall(self.name, str(call.sid), str(call.status))
