"""Every operator a process names is registered, and every registered operator is tested.

Like datasette's check that each plugin hook has a test: a process that names
an operator nobody registered would only fail when deployed, and an operator
nobody tests is an operator nobody knows works.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

import handlers
from crm.models import Change
from engine import Engine, OperatorRegistry

from .conftest import count

ROOT = Path(__file__).parents[2]
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TESTS = Path(__file__).parent


def _registered() -> set[str]:
    registry = OperatorRegistry()
    handlers.register(registry)
    return set(registry.names())


def _named_in_bpmn() -> dict[str, list[str]]:
    """Operator name -> the .bpmn files under processes/, tests/handlers and tests/processes
    that call it (other suites' test BPMN may name missing operators on purpose)."""
    found: dict[str, list[str]] = {}
    for folder in (ROOT / "processes", TESTS, ROOT / "tests" / "processes"):
        for path in sorted(folder.rglob("*.bpmn")):
            root = etree.parse(str(path)).getroot()
            for node in root.iter(f"{{{SPIFF}}}serviceTaskOperator"):
                found.setdefault(node.get("id"), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_operator_named_in_a_process_is_registered() -> None:
    missing = {name: files for name, files in _named_in_bpmn().items() if name not in _registered()}

    assert not missing, f"operators named in BPMN but not registered by handlers: {missing}"


def _test_files() -> list[Path]:
    folders = (TESTS, ROOT / "tests" / "processes")
    return [p for f in folders for p in f.rglob("test_*.py") if p.name != Path(__file__).name]


def _scenario_tested(name: str, tests: list[Path]) -> bool:
    """Named in the BPMN of a process (``processes/<key>/``) whose scenario tests name its key."""
    keys = {Path(f).parts[1] for f in _named_in_bpmn().get(name, []) if f.startswith("processes/")}
    scenarios = [p.read_text() for p in tests if p.parent.name == "processes"]
    return any(f'"{key}"' in text for key in keys for text in scenarios)


@pytest.mark.parametrize("name", sorted(_registered()))
def test_every_registered_operator_has_a_test(name: str) -> None:
    """A test names the operator, or it runs in a process that scenario tests walk."""
    tests = _test_files()

    assert any(name in p.read_text() for p in tests) or _scenario_tested(name, tests), (
        f"no test in tests/handlers or tests/processes names {name!r}, and no scenario test"
        " runs a process that calls it"
    )


def test_registering_is_explicit_and_twice_is_refused() -> None:
    """Importing handlers registers nothing anywhere; registering twice is a start-up error."""
    registry = OperatorRegistry()
    assert list(registry) == []
    handlers.register(registry)
    with pytest.raises(ValueError, match="already registered"):
        handlers.register(registry)


def _bogus_bpmn(name: str) -> str:
    """A process whose one service task calls operator ``name`` with an unknown parameter."""
    template = (TESTS / "bpmn" / "send_mail.bpmn").read_text()
    template = re.sub(
        r"<spiffworkflow:parameters>.*</spiffworkflow:parameters>",
        '<spiffworkflow:parameters><spiffworkflow:parameter id="bogus" type="any" value="1" />'
        "</spiffworkflow:parameters>",
        template,
        flags=re.S,
    )
    return template.replace('"mail.send"', f'"{name}"').replace("t_send_mail", "t_bogus")


@pytest.mark.parametrize("name", sorted(_registered()))
def test_every_operator_refuses_an_unknown_parameter_with_a_clear_incident(
    engine: Engine, name: str
) -> None:
    """Each operator loads its parameters through a marshmallow schema that refuses unknown
    fields: a typo in a process becomes an incident naming the field, before any write."""
    engine.deploy({"bogus.bpmn": _bogus_bpmn(name)})

    outcome = engine.start("t_bogus", {}, "olga")

    assert outcome["status"] == "incident", outcome
    [found] = engine.instance(outcome["id"])["incidents"]
    assert "field 'bogus': Unknown field." in found["message"], found["message"]
    assert count(engine, Change) == 0
