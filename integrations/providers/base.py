"""The interface every call provider implements, and what passes through it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import NotConfigured
from ..errors import ProviderError as ProviderError


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
