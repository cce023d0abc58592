"""The session signing key: CLIENTFLOW_SECRET_KEY, or one kept under ``instance/``.

Embedded mode must work with nothing configured, yet sessions must survive a
restart, so a random key is generated once and stored (mode 0600). Several
production nodes must share one key, so there it has to be configured.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SECRET_FILE = Path("instance") / "secret_key"


class MissingSecretKey(RuntimeError):
    """Production mode (a broker is configured) without CLIENTFLOW_SECRET_KEY."""


def secret_key(config: Mapping[str, Any], path: Path = SECRET_FILE) -> str:
    """The configured key, a throwaway one for tests, or the persisted embedded one."""
    configured = config.get("SECRET_KEY")
    if configured:
        return str(configured)
    if config.get("TESTING"):
        return secrets.token_hex(32)
    if config.get("BROKER_URL") or os.environ.get("CLIENTFLOW_BROKER_URL"):
        raise MissingSecretKey(
            "set CLIENTFLOW_SECRET_KEY (the same value on every web node) to run in production"
        )
    return _persisted(path)


def _persisted(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
