"""Service-task operators that processes call; registered into the engine at start-up.

Each module lists its operators in ``OPERATORS`` as ``(name, function)`` pairs
and :func:`register` adds them all: importing a module registers nothing, so
an engine holds exactly the operators it was given.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import crm
from engine import Database, Engine, OperatorRegistry

from . import (
    campaign_results,
    campaigns,
    case_replies,
    cases,
    contacts,
    customers,
    deals,
    employees,
    imports,
    interactions,
    leads,
    mail,
    owners,
    quotes,
    sla,
)
from .imports import ContactImportError as ContactImportError
from .imports import ImportReport as ImportReport
from .imports import import_contacts_file as import_contacts_file

MODULES: tuple[ModuleType, ...] = (contacts, leads, owners, deals, quotes, cases, case_replies)
MODULES += (interactions, campaigns, campaign_results, mail, imports)
MODULES += (employees,)
MODULES += (customers, sla)


def register(registry: OperatorRegistry) -> None:
    """Register every built-in operator (``crm.*``, ``mail.*``, ``sla.*``) into ``registry``."""
    for module in MODULES:
        for name, func in module.OPERATORS:
            registry.add(name, func)


PLUGINS_ENV = "CLIENTFLOW_PLUGINS"


def load_operators() -> OperatorRegistry:
    """The built-in operators plus those of each module named in ``CLIENTFLOW_PLUGINS``.

    The variable lists module names, comma-separated; each module must define
    ``register(registry)``. The one place the web app, workers and CLI get
    their operators from, so every process runs the same set.
    """
    registry = OperatorRegistry()
    register(registry)
    for name in os.environ.get(PLUGINS_ENV, "").split(","):
        if not name.strip():
            continue
        plugin = getattr(importlib.import_module(name.strip()), "register", None)
        if not callable(plugin):
            raise ValueError(f"{PLUGINS_ENV} names {name.strip()!r}, which has no register()")
        plugin(registry)
    return registry


def build_engine(url: str | None = None) -> Engine:
    """An engine over ``url`` or ``CLIENTFLOW_DATABASE_URL`` (embedded SQLite by default).

    The one way the web app, workers, CLI and benchmarks build theirs: the
    operators of :func:`load_operators`, and the CRM's connection-level write
    guard on its database engine, so SQL that bypasses a step's session cannot
    write the CRM store either.
    """
    engine = Engine(Database(url), load_operators())
    crm.install_guard(engine.db.engine)
    return engine


__all__ = [
    "ContactImportError",
    "ImportReport",
    "build_engine",
    "import_contacts_file",
    "load_operators",
    "register",
]
