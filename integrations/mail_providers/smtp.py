"""Outbound mail over SMTP: ``CLIENTFLOW_SMTP_URL`` names the relay (the default provider).

``smtp://host:port``, ``smtp+starttls://user:pass@host`` or ``smtps://user:pass@host:465``.
One connection per message; SMTP gives no id of its own, so the provider id is
the message's Message-ID.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import NotConfigured, ProviderError
from ..providers.base import required

URL_KEY = "SMTP_URL"
MODES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class SmtpRelay:
    """Where outbound mail goes; :meth:`send` opens one connection per message."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    mode: str = "plain"  # plain, starttls, ssl
    timeout: float = 30.0
    name: str = "smtp"

    @classmethod
    def from_url(cls, url: str) -> SmtpRelay:
        parts = urlsplit(url)
        if parts.scheme not in MODES or not parts.hostname:
            raise NotConfigured(
                f"CLIENTFLOW_{URL_KEY} must look like smtp://host:25,"
                " smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465,"
                f" not {url!r}"
            )
        mode = MODES[parts.scheme]
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, parts.port or PORTS[mode], user, password, mode)

    def send(self, message: EmailMessage) -> str:
        """Relay ``message``; :class:`ProviderError` when the relay refuses or is unreachable."""
        where = f"{self.host}:{self.port}"
        try:
            self._send(message)
        except smtplib.SMTPResponseException as exc:
            reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            raise ProviderError(f"the SMTP relay {where} refused the message: {reply}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(sorted(exc.recipients))
            raise ProviderError(f"the SMTP relay {where} refused the recipients {refused}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"the SMTP relay {where} could not be reached: {exc}") from exc
        return str(message["Message-ID"] or "")

    def _send(self, message: EmailMessage) -> None:
        factory = smtplib.SMTP_SSL if self.mode == "ssl" else smtplib.SMTP
        with factory(self.host, self.port, timeout=self.timeout) as smtp:
            if self.mode == "starttls":
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def from_config(config: Mapping[str, Any]) -> SmtpRelay:
    """The provider factory ``CLIENTFLOW_MAIL_PROVIDER=smtp`` (the default) names."""
    [url] = required(config, URL_KEY, purpose="send email (e.g. smtp://localhost:25)")
    return SmtpRelay.from_url(url)
