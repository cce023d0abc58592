"""The interface every call provider implements, what passes through it, and the signed
JSON POST that the generic PBX and the HTTP mail API both speak."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import NotConfigured
from ..errors import ProviderError as ProviderError
from ..signing import SIGNATURE_HEADER, sign

ANSWER_LIMIT = 64 * 1024
REASON_CHARS = 300


@dataclass(frozen=True)
class CallRequest:
    """Ring ``agent`` (the employee's phone, extension or SIP address), then connect ``to``.

    ``reference`` is our id of the request (the PBX may use it to refuse a repeat);
    ``callback_url`` is the status hook the provider posts the call's events to.
    """

    to: str
    agent: str
    reference: str
    employee: str
    callback_url: str | None = None


@dataclass(frozen=True)
class PlacedCall:
    """``call_id`` is the id the provider's status hooks will carry for this call."""

    provider: str
    call_id: str
    status: str


class CallProvider(Protocol):
    """One PBX or telephony service. ``source`` is the journal source of its status hooks
    (``telephony`` for ``/hooks/telephony``, ``twilio`` for ``/hooks/twilio/voice``)."""

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> str: ...

    def place_call(self, call: CallRequest) -> PlacedCall:
        """Ask the provider to place ``call``; :class:`ProviderError` if it will not."""
        ...


def setting(config: Mapping[str, Any], key: str) -> str | None:
    """``config[key]`` as text, None when unset or empty (values may arrive parsed as JSON)."""
    value = config.get(key)
    return None if value in (None, "") else str(value)


def required(config: Mapping[str, Any], *keys: str, purpose: str = "place calls") -> list[str]:
    """The values of ``keys``; :class:`NotConfigured` naming every variable that is unset."""
    values = [setting(config, key) for key in keys]
    missing = [f"CLIENTFLOW_{key}" for key, value in zip(keys, values, strict=True) if not value]
    if missing:
        raise NotConfigured(f"set {' and '.join(missing)} to {purpose}")
    return [str(value) for value in values]


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    timeout: float,
    *,
    who: str,
    what: str,
    headers: Mapping[str, str] | None = None,
    explain: bool = False,
) -> bytes:
    """POST the JSON ``body`` signed like our hooks; the answer's bytes (2xx).

    Anything else is a :class:`ProviderError`: "{who} refused {what}: HTTP 503 Service
    Unavailable" (with ``explain``, followed by the server's own reason) or "{who} at
    {url} could not be reached: ...".
    """
    sent = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    request = urllib.request.Request(
        url, data=body, method="POST", headers=sent | dict(headers or {})
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: bytes = response.read(ANSWER_LIMIT)
            return answer
    except urllib.error.HTTPError as exc:
        reason = _refusal_reason(exc.read(ANSWER_LIMIT)) if explain else ""
        raise ProviderError(f"{who} refused {what}: HTTP {exc.code} {exc.reason}{reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        cause = getattr(exc, "reason", exc)
        raise ProviderError(f"{who} at {url} could not be reached: {cause}") from exc


def _refusal_reason(raw: bytes) -> str:
    """The server's own words for a refusal (its JSON ``error``/``message``, else the text)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        text = raw.decode(errors="replace").strip()
    else:
        found = answer.get("message") or answer.get("error") if isinstance(answer, dict) else None
        text = str(found or "").strip()
    return f": {text[:REASON_CHARS]}" if text else ""
