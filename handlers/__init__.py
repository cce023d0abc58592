"""Service-task operators that processes call; registered into the engine at start-up.

Each module lists its operators in ``OPERATORS`` as ``(name, function)`` pairs
and :func:`register` adds them all: importing a module registers nothing, so
an engine holds exactly the operators it was given.
"""

from __future__ import annotations

from engine import OperatorRegistry

from . import campaigns, cases, contacts, deals, imports, interactions, leads, mail, owners, quotes
from .imports import ContactImportError as ContactImportError
from .imports import ImportReport as ImportReport
from .imports import import_contacts_file as import_contacts_file

MODULES = (contacts, leads, owners, deals, quotes, cases, interactions, campaigns, mail, imports)


def register(registry: OperatorRegistry) -> None:
    """Register every built-in operator (``crm.*`` and ``mail.*``) into ``registry``."""
    for module in MODULES:
        for name, func in module.OPERATORS:
            registry.add(name, func)


__all__ = ["ContactImportError", "ImportReport", "import_contacts_file", "register"]
