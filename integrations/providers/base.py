"""The interface every call provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import IntegrationError


class ProviderError(IntegrationError):
    """The provider refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class PlacedCall:
    """``call_id`` is the id the provider's status hooks will carry for this call."""

    provider: str
    call_id: str
    status: str


class CallProvider(Protocol):
    @property
    def name(self) -> str: ...

    def place_call(self, to: str, agent: str) -> PlacedCall:
        """Ring ``agent`` (a phone number or extension), then connect them to ``to``."""
        ...
