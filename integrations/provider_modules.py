"""Finding a provider module by name: a built-in short name or any module's dotted name.

Call and mail providers are chosen the same way (``CLIENTFLOW_CALL_PROVIDER``,
``CLIENTFLOW_MAIL_PROVIDER``): another provider is one module with a
``from_config(config)`` function, named by its dotted path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from .errors import NotConfigured

Factory = Callable[[Mapping[str, Any]], Any]


def provider_factory(name: str, built_in: Mapping[str, str], variable: str) -> Factory:
    """The ``from_config`` of the module ``name`` names; :class:`NotConfigured` saying why not."""
    module_name = built_in.get(name.lower(), name)
    choices = ", ".join(repr(key) for key in built_in)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise NotConfigured(f"{variable}={name} is neither {choices} nor a module: {exc}") from exc
    factory = getattr(module, "from_config", None)
    if not callable(factory):
        raise NotConfigured(f"the provider module {module_name} has no from_config(config)")
    return factory
