"""Click-to-call providers: one small module per PBX, behind :class:`CallProvider`.

``CLIENTFLOW_CALL_PROVIDER`` picks one: ``twilio``, ``pbx``, or the dotted name of
any module with ``from_config(config) -> CallProvider`` (another PBX is one such
module). The call a provider places is then tracked by its status hooks like any
other call, and logged on the timeline when it ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ..errors import NotConfigured
from ..provider_modules import provider_factory
from .base import CallProvider, CallRequest, PlacedCall, ProviderError
from .pbx import GenericPbx
from .twilio_calls import TwilioCalls

PROVIDER_KEY = "CALL_PROVIDER"
BUILT_IN = {"twilio": f"{__name__}.twilio_calls", "pbx": f"{__name__}.pbx"}


def calling_enabled(config: Mapping[str, Any]) -> bool:
    """Whether a provider is named at all (the pages show call buttons only then)."""
    return bool(str(config.get(PROVIDER_KEY) or "").strip())


def provider_from_config(config: Mapping[str, Any]) -> CallProvider:
    """The provider ``CALL_PROVIDER`` names, built from the rest of ``config``.

    ``config`` holds the CLIENTFLOW_* settings without the prefix (the web app's
    ``app.config``); :class:`NotConfigured` says which variable is missing.
    """
    name = str(config.get(PROVIDER_KEY) or "").strip()
    if not name:
        raise NotConfigured(
            "click-to-call is not set up: set CLIENTFLOW_CALL_PROVIDER to 'twilio' or 'pbx'"
        )
    factory = provider_factory(name, BUILT_IN, "CLIENTFLOW_CALL_PROVIDER")
    return cast(CallProvider, factory(config))


__all__ = [
    "CallProvider",
    "CallRequest",
    "GenericPbx",
    "PlacedCall",
    "ProviderError",
    "TwilioCalls",
    "calling_enabled",
    "provider_from_config",
]
