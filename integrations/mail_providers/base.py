"""The interface every mail provider implements."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class MailProvider(Protocol):
    """One way out for outbound mail: an SMTP relay, a provider's HTTP API.

    The outbox prepares each message (From, To, Subject, our Message-ID and the
    thread headers, see ``integrations.outbox.as_email``) and hands it over once
    per attempt; it records the id :meth:`send` returns and retries on
    :class:`~integrations.errors.ProviderError`.
    """

    @property
    def name(self) -> str: ...

    def send(self, message: EmailMessage) -> str:
        """Hand ``message`` over; the provider's id for it. ``ProviderError`` if refused."""
        ...
