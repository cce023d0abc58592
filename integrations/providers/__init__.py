"""Click-to-call providers: one small module per PBX, behind :class:`CallProvider`.

Another PBX is one module with a class that has ``place_call``; pick it with
``CLIENTFLOW_CALL_PROVIDER`` (``twilio`` or ``pbx``). The call a provider
places is then tracked by that provider's status hooks like any other call,
and logged on the timeline when it ends.
"""

from __future__ import annotations

import os

from ..errors import NotConfigured
from .base import CallProvider, PlacedCall, ProviderError
from .pbx import GenericPbx
from .twilio_calls import TwilioCalls

PROVIDER_ENV = "CLIENTFLOW_CALL_PROVIDER"


def provider_from_env() -> CallProvider:
    """The provider ``CLIENTFLOW_CALL_PROVIDER`` names, configured from its own variables."""
    name = os.environ.get(PROVIDER_ENV, "").strip().lower()
    if name == "twilio":
        return TwilioCalls.from_env()
    if name == "pbx":
        return GenericPbx.from_env()
    raise NotConfigured(f"set {PROVIDER_ENV} to 'twilio' or 'pbx' to place calls")


__all__ = [
    "CallProvider",
    "GenericPbx",
    "PlacedCall",
    "ProviderError",
    "TwilioCalls",
    "provider_from_env",
]
