"""Build the process-wide :class:`engine.Engine` from the environment.

Operators come from ``handlers`` (when it provides ``register``) and from the
modules named in ``CLIENTFLOW_PLUGINS`` (comma-separated), each of which must
define ``register(registry: engine.OperatorRegistry) -> None``. Registration is
explicit, never an import side effect.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache

from engine import Database, Engine, OperatorRegistry


def plugin_modules() -> list[str]:
    names = ["handlers"]
    extra = os.environ.get("CLIENTFLOW_PLUGINS", "")
    names.extend(n.strip() for n in extra.split(",") if n.strip())
    return names


def build_operators() -> OperatorRegistry:
    registry = OperatorRegistry()
    for name in plugin_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name and name == "handlers":
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(registry)
    return registry


def build_engine(url: str | None = None) -> Engine:
    """A new engine over ``url`` or ``CLIENTFLOW_DATABASE_URL`` (SQLite by default)."""
    return Engine(Database(url), build_operators())


@lru_cache(maxsize=1)
def shared_engine() -> Engine:
    """The engine of this process (web app, worker), created on first use."""
    return build_engine()
