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
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..errors import NotConfigured
from ..providers.base import post_signed, required

URL_KEY = "MAIL_API_URL"
SECRET_KEY = "MAIL_API_SECRET"


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
        answer = self._post(body, message_id)
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        if isinstance(provider_id, str | int) and str(provider_id).strip():
            return str(provider_id).strip()[:200]
        return message_id

    def _post(self, body: bytes, message_id: str) -> Any:
        raw = post_signed(
            self.url,
            self.secret,
            body,
            self.timeout,
            who="the mail API",
            what="the message",
            headers={"Idempotency-Key": message_id},
            explain=True,
        )
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


def from_config(config: Mapping[str, Any]) -> HttpMailApi:
    """The provider factory ``CLIENTFLOW_MAIL_PROVIDER=http`` names."""
    return HttpMailApi.from_config(config)
