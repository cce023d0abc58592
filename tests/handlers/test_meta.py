"""Every operator a process names is registered, and every registered operator is tested.

Like datasette's check that each plugin hook has a test: a process that names
an operator nobody registered would only fail when deployed, and an operator
nobody tests is an operator nobody knows works.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import handlers
from engine import OperatorRegistry

ROOT = Path(__file__).parents[2]
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TESTS = Path(__file__).parent


def _registered() -> set[str]:
    registry = OperatorRegistry()
    handlers.register(registry)
    return set(registry.names())


def _named_in_bpmn() -> dict[str, list[str]]:
    """Operator name -> the .bpmn files under processes/ and tests/ that call it."""
    found: dict[str, list[str]] = {}
    for folder in (ROOT / "processes", ROOT / "tests"):
        for path in sorted(folder.rglob("*.bpmn")):
            root = etree.parse(str(path)).getroot()
            for node in root.iter(f"{{{SPIFF}}}serviceTaskOperator"):
                found.setdefault(node.get("id"), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_operator_named_in_a_process_is_registered() -> None:
    missing = {name: files for name, files in _named_in_bpmn().items() if name not in _registered()}

    assert not missing, f"operators named in BPMN but not registered by handlers: {missing}"


@pytest.mark.parametrize("name", sorted(_registered()))
def test_every_registered_operator_has_a_test(name: str) -> None:
    tests = [p for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name]

    assert any(name in p.read_text() for p in tests), f"no test in tests/handlers names {name!r}"


def test_registering_is_explicit_and_twice_is_refused() -> None:
    """Importing handlers registers nothing anywhere; registering twice is a start-up error."""
    registry = OperatorRegistry()
    assert list(registry) == []
    handlers.register(registry)
    with pytest.raises(ValueError, match="already registered"):
        handlers.register(registry)
