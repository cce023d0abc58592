"""Twilio: click-to-call through Twilio's REST API (the ``twilio`` package's ``Client``).

Twilio first calls the agent (``To``, from our ``CLIENTFLOW_TWILIO_CALLER_ID``),
then dials the customer (TwiML ``<Dial><Number>``). Both the call and the
customer's leg post their status changes to ``/hooks/twilio/voice``; the leg
names the call as its ``ParentCallSid``, so the call is counted once.
``CLIENTFLOW_TWILIO_API_URL`` replaces ``https://api.twilio.com`` (a proxy, a
local stand-in in tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from .base import CallRequest, PlacedCall, ProviderError, required, setting

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
TIMEOUT = 10.0


@dataclass(frozen=True)
class TwilioCalls:
    account_sid: str
    auth_token: str
    caller_id: str
    api_url: str | None = None
    name: str = "twilio"
    source: str = "twilio"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioCalls:
        sid, token, caller = required(
            config, "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_CALLER_ID"
        )
        return cls(sid, token, caller, setting(config, "TWILIO_API_URL"))

    def place_call(self, call: CallRequest) -> PlacedCall:
        options: dict[str, Any] = {
            "to": call.agent,
            "from_": self.caller_id,
            "twiml": str(self.twiml(call)),
        }
        if call.callback_url:
            options.update(
                status_callback=call.callback_url,
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
            )
        try:
            created = self.client().calls.create(**options)
        except TwilioRestException as exc:
            raise ProviderError(
                f"Twilio refused the call: HTTP {exc.status}, error {exc.code}: {exc.msg}"
            ) from exc
        except (TwilioException, requests.RequestException, OSError) as exc:
            raise ProviderError(f"Twilio could not be reached: {exc}") from exc
        return PlacedCall(self.name, str(created.sid), str(created.status or "queued"))

    def twiml(self, call: CallRequest) -> VoiceResponse:
        """What Twilio does once the agent answers: dial the customer from our number."""
        response = VoiceResponse()
        dial = response.dial(caller_id=self.caller_id)
        if call.callback_url:
            dial.number(
                call.to,
                status_callback=call.callback_url,
                status_callback_event=" ".join(STATUS_EVENTS),
                status_callback_method="POST",
            )
        else:
            dial.number(call.to)
        return response

    def client(self) -> Client:
        client = Client(
            self.account_sid, self.auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT)
        )
        if self.api_url:
            client.api.base_url = self.api_url.rstrip("/")
        return client


def from_config(config: Mapping[str, Any]) -> TwilioCalls:
    """The provider factory ``CLIENTFLOW_CALL_PROVIDER=twilio`` names."""
    return TwilioCalls.from_config(config)
