"""A generic PBX: a signed JSON POST to its click-to-call (originate) URL.

``CLIENTFLOW_PBX_ORIGINATE_URL`` receives ``{"request_id", "to", "agent", "employee",
"callback_url"}`` signed like our hooks (``X-Clientflow-Signature: sha256=<HMAC-SHA256
of the body>`` with ``CLIENTFLOW_HOOK_SECRET``), and answers 2xx with ``{"call_id"}``.
It then posts the call's status events, with that ``call_id`` (legs naming it as
``parent_call_id``), to ``callback_url``: our ``/hooks/telephony``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import CallRequest, PlacedCall, ProviderError, post_signed, required

ORIGINATE_URL = "PBX_ORIGINATE_URL"


@dataclass(frozen=True)
class GenericPbx:
    url: str
    secret: str
    timeout: float = 10.0
    name: str = "pbx"
    source: str = "telephony"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GenericPbx:
        url, secret = required(config, ORIGINATE_URL, "HOOK_SECRET")
        return cls(url, secret)

    def place_call(self, call: CallRequest) -> PlacedCall:
        body = json.dumps(
            {"request_id": call.reference, "to": call.to, "agent": call.agent,
             "employee": call.employee, "callback_url": call.callback_url}
        ).encode()  # fmt: skip
        answer = self._post(body)
        call_id = answer.get("call_id")
        if not isinstance(call_id, str | int) or not str(call_id).strip():
            raise ProviderError("the PBX accepted the call but answered without a call_id")
        return PlacedCall(self.name, str(call_id).strip(), str(answer.get("status") or "queued"))

    def _post(self, body: bytes) -> dict[str, Any]:
        raw = post_signed(self.url, self.secret, body, self.timeout, who="the PBX", what="the call")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise ProviderError("the PBX answered something that is not JSON") from exc
        if not isinstance(answer, dict):
            raise ProviderError("the PBX answered JSON that is not an object")
        return answer


def from_config(config: Mapping[str, Any]) -> GenericPbx:
    """The provider factory ``CLIENTFLOW_CALL_PROVIDER=pbx`` names."""
    return GenericPbx.from_config(config)
