"""Service-task operators that processes call; registered into the engine at start-up."""

from __future__ import annotations

from engine import OperatorRegistry


def register(registry: OperatorRegistry) -> None:
    """Register every built-in operator (the CRM operators arrive with the CRM issue)."""
    del registry
