"""A generic PBX: a signed JSON POST to its click-to-call URL.

``CLIENTFLOW_PBX_URL`` receives ``{"request_id", "to", "agent", "callback_url"}``
signed like our hooks (``X-Clientflow-Signature: sha256=<HMAC of the body>``,
with ``CLIENTFLOW_HOOK_SECRET``) and answers ``{"call_id": ...}``; it then posts
the call's status events to ``/hooks/telephony``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from ..errors import NotConfigured
from ..signing import SIGNATURE_HEADER, sign
from .base import PlacedCall, ProviderError

PBX_URL_ENV = "CLIENTFLOW_PBX_URL"


@dataclass(frozen=True)
class GenericPbx:
    url: str
    secret: str
    callback_url: str | None = None
    timeout: float = 10.0
    name: str = "pbx"

    @classmethod
    def from_env(cls) -> GenericPbx:
        url, secret = os.environ.get(PBX_URL_ENV), os.environ.get("CLIENTFLOW_HOOK_SECRET")
        if not url or not secret:
            raise NotConfigured(f"set {PBX_URL_ENV} and CLIENTFLOW_HOOK_SECRET to place calls")
        base = os.environ.get("CLIENTFLOW_PUBLIC_URL")
        callback = f"{base.rstrip('/')}/hooks/telephony" if base else None
        return cls(url, secret, callback)

    def place_call(self, to: str, agent: str) -> PlacedCall:
        body = json.dumps(
            {"request_id": uuid.uuid4().hex, "to": to, "agent": agent,
             "callback_url": self.callback_url}
        ).encode()  # fmt: skip
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"the PBX refused the call: HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ProviderError(f"the PBX at {self.url} could not be reached: {exc}") from exc
        call_id = answer.get("call_id") if isinstance(answer, dict) else None
        if not call_id:
            raise ProviderError("the PBX answered without a call_id")
        return PlacedCall(self.name, str(call_id), str(answer.get("status", "queued")))
