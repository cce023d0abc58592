"""A generic HTTP mail API: one signed JSON POST per message.

``CLIENTFLOW_MAIL_API_URL`` receives ``{"message_id", "from", "to", "cc", "subject",
"text", "html", "in_reply_to", "references", "raw"}`` (``raw``: the whole RFC 5322
message, base64, for APIs that send MIME as given), signed like our hooks
(``X-Clientflow-Signature: sha256=<HMAC-SHA256 of the body>`` with
``CLIENTFLOW_MAIL_API_SECRET``) and with ``Idempotency-Key: <Message-ID>``, so the
API may drop a retry of a message it already took. Any 2xx is a delivery; its JSON
``{"id"}`` is kept as the provider id (our Message-ID when it gives none). Anything
else is a :class:`ProviderError`, which the outbox retries.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..errors import NotConfigured, ProviderError
from ..providers.base import required
from ..signing import SIGNATURE_HEADER, sign

URL_KEY = "MAIL_API_URL"
SECRET_KEY = "MAIL_API_SECRET"
ANSWER_LIMIT = 64 * 1024
REASON_CHARS = 300


@dataclass(frozen=True)
class HttpMailApi:
    url: str
    secret: str
    timeout: float = 30.0
    name: str = "http"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HttpMailApi:
        url, secret = required(config, URL_KEY, SECRET_KEY, purpose="send email over HTTP")
        if not url.startswith(("http://", "https://")):
            raise NotConfigured(f"CLIENTFLOW_{URL_KEY} must be an http(s) URL, not {url!r}")
        return cls(url, secret)

    def send(self, message: EmailMessage) -> str:
        """POST ``message``; the API's id for it, or :class:`ProviderError` saying why not."""
        message_id = str(message["Message-ID"] or "")
        body = json.dumps(payload(message)).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            "Idempotency-Key": message_id,
        }
        answer = self._post(body, headers)
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        if isinstance(provider_id, str | int) and str(provider_id).strip():
            return str(provider_id).strip()[:200]
        return message_id

    def _post(self, body: bytes, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(ANSWER_LIMIT)
        except urllib.error.HTTPError as exc:
            reason = _reason(exc.read(ANSWER_LIMIT))
            raise ProviderError(
                f"the mail API refused the message: HTTP {exc.code} {exc.reason}{reason}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            cause = getattr(exc, "reason", exc)
            message = f"the mail API at {self.url} could not be reached: {cause}"
            raise ProviderError(message) from exc
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}  # taken (2xx) without a JSON id: the message must not be sent twice


def payload(message: EmailMessage) -> dict[str, Any]:
    """What the API receives: the fields a mail API builds from, and the MIME as sent."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    references = str(message["References"] or "").split()
    return {
        "message_id": str(message["Message-ID"] or ""),
        "from": str(message["From"] or ""),
        "to": _addresses(message, "To"),
        "cc": _addresses(message, "Cc"),
        "subject": str(message["Subject"] or ""),
        "text": text.get_content() if isinstance(text, EmailMessage) else None,
        "html": html.get_content() if isinstance(html, EmailMessage) else None,
        "in_reply_to": str(message["In-Reply-To"]) if message["In-Reply-To"] else None,
        "references": references,
        "raw": base64.b64encode(message.as_bytes()).decode(),
    }


def _addresses(message: EmailMessage, header: str) -> list[str]:
    value = message[header]
    if value is None:
        return []
    return [address.addr_spec for address in value.addresses]


def _reason(raw: bytes) -> str:
    """The API's own words for a refusal (its JSON ``error``/``message``, else the text)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        text = raw.decode(errors="replace").strip()
    else:
        found = answer.get("message") or answer.get("error") if isinstance(answer, dict) else None
        text = str(found or "").strip()
    return f": {text[:REASON_CHARS]}" if text else ""


def from_config(config: Mapping[str, Any]) -> HttpMailApi:
    """The provider factory ``CLIENTFLOW_MAIL_PROVIDER=http`` names."""
    return HttpMailApi.from_config(config)
