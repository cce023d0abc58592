"""Errors of the integrations; the web layer maps them to status codes."""

from __future__ import annotations

from collections.abc import Mapping


class IntegrationError(Exception):
    """Base of the integration errors."""


class UnreadableEvent(IntegrationError):
    """The body is not an event we can read: a 400 with the reasons, nothing journaled."""

    def __init__(self, message: str, errors: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


class BadSignature(IntegrationError):
    """The signature is missing or does not match: a 401, nothing journaled."""


class NotConfigured(IntegrationError):
    """A setting the operation needs is missing (a secret, a provider URL)."""


class EventNotFound(IntegrationError):
    """No journaled event has that id."""


class ProviderError(IntegrationError):
    """A call or mail provider refused or could not be reached; the message says which and why."""


class CallInProgress(IntegrationError):
    """The employee is already calling this customer (a double click, a quick retry):
    a 409 naming that call; nothing is placed."""

    def __init__(self, message: str, call: Mapping[str, object]) -> None:
        super().__init__(message)
        self.message = message
        self.call = dict(call)
