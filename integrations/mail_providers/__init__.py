"""Outbound mail providers: one small module per way out, behind :class:`MailProvider`.

``CLIENTFLOW_MAIL_PROVIDER`` picks one: ``smtp`` (the default: ``CLIENTFLOW_SMTP_URL``),
``http`` (a signed JSON POST to ``CLIENTFLOW_MAIL_API_URL``), or the dotted name of
any module with ``from_config(config) -> MailProvider`` (another provider is one
such module). The outbox hands each prepared message to the provider after the
step that queued it committed, and retries what the provider refuses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, cast

from ..errors import ProviderError
from ..provider_modules import provider_factory
from .base import MailProvider
from .http_api import HttpMailApi
from .smtp import SmtpRelay

PROVIDER_KEY = "MAIL_PROVIDER"
PREFIX = "CLIENTFLOW_"
DEFAULT = "smtp"
BUILT_IN = {"smtp": f"{__name__}.smtp", "http": f"{__name__}.http_api"}


def mail_configured(config: Mapping[str, Any]) -> bool:
    """Whether outbound mail is set up: a provider named, or the default's SMTP URL given."""
    named = str(config.get(PROVIDER_KEY) or "").strip()
    return bool(named) or bool(config.get("SMTP_URL"))


def provider_from_config(config: Mapping[str, Any]) -> MailProvider:
    """The provider ``MAIL_PROVIDER`` names (``smtp`` when unset), built from ``config``.

    ``config`` holds the CLIENTFLOW_* settings without the prefix (the web app's
    ``app.config``, or :func:`env_config`); :class:`NotConfigured` names what is missing.
    """
    name = str(config.get(PROVIDER_KEY) or "").strip() or DEFAULT
    factory = provider_factory(name, BUILT_IN, PREFIX + PROVIDER_KEY)
    return cast(MailProvider, factory(config))


def env_config(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The CLIENTFLOW_* environment variables without the prefix (a worker has no app config)."""
    source = os.environ if environ is None else environ
    return {key[len(PREFIX) :]: value for key, value in source.items() if key.startswith(PREFIX)}


__all__ = [
    "HttpMailApi",
    "MailProvider",
    "ProviderError",
    "SmtpRelay",
    "env_config",
    "mail_configured",
    "provider_from_config",
]
