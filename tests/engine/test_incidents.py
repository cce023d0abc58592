"""Untrusted scripts and conditions: every escape attempt ends as an incident, nothing leaks."""

from __future__ import annotations

import pytest

from engine import Conflict, Engine, InstanceNotActive

from ..conftest import bundle

ATTACKS = {
    "import": "import os",
    "dunder_import": "__import__('os')",
    "subclasses": "().__class__.__base__.__subclasses__()",
    "open": "open('/etc/passwd')",
    "busy_loop": "while True: pass",
    "huge_string": "x = 'a' * 10**10",
}

CONDITIONS = {
    "import": "__import__('os') is not None",
    "subclasses": "len(().__class__.__base__.__subclasses__()) > 0",
    "open": "open('/etc/passwd') is not None",
    "busy_loop": "sum(1 for _ in iter(int, 1)) > 0",
    "huge_string": "len('a' * 10**10) > 0",
}


def _deploy(engine: Engine, script: str = "ok = True", condition: str = "ok") -> None:
    files = bundle("script_gate.bpmn")
    text = (
        files["script_gate.bpmn"]
        .replace("SCRIPT", _xml(script))
        .replace("CONDITION", _xml(condition))
    )
    engine.deploy({"script_gate.bpmn": text})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run_to_script(engine: Engine) -> dict:
    engine.start("script_gate")
    [item] = engine.tasks(None, scope="all")
    return engine.complete_task(item["id"], {"secret": "kept"})


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_script_attack_becomes_incident(engine: Engine, name: str) -> None:
    _deploy(engine, script=ATTACKS[name])
    result = _run_to_script(engine)
    assert result["status"] == "incident"
    detail = engine.instance(result["id"])
    [incident] = detail["incidents"]
    assert incident["task"] == "run_script"
    assert incident["line_number"] == 1
    assert incident["message"]
    assert "x" not in detail["data"] and "os" not in detail["data"]
    assert detail["data"]["secret"] == "kept"
    # the server keeps working: a normal instance runs to its next task
    _deploy(engine)
    ok = _run_to_script(engine)
    assert ok["status"] == "running"


@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_condition_attack_becomes_incident(engine: Engine, name: str) -> None:
    _deploy(engine, condition=CONDITIONS[name])
    result = _run_to_script(engine)
    assert result["status"] == "incident"
    [incident] = engine.instance(result["id"])["incidents"]
    assert incident["task"] == "gw"
    assert incident["message"]


def test_retry_after_fixing_data_and_skip(engine: Engine) -> None:
    _deploy(engine, script="ratio = total / count", condition="ratio > 1")
    engine.start("script_gate")
    [item] = engine.tasks(None, scope="all")
    result = engine.complete_task(item["id"], {"total": 10, "count": 0})
    assert result["status"] == "incident"
    [incident] = engine.instance(result["id"])["incidents"]
    assert "division by zero" in incident["message"]
    assert incident["error_line"] == "ratio = total / count"
    with pytest.raises(Conflict, match="already done"):
        engine.complete_task(item["id"], {"total": 1})
    fixed = engine.retry(result["id"], user="olga", data={"count": 4})
    assert fixed["status"] == "running"
    assert fixed["data"]["ratio"] == 2.5
    detail = engine.instance(result["id"])
    assert detail["incidents"][0]["resolution"] == "retried"
    assert [t["task"] for t in detail["active_tasks"]] == ["after"]


def test_skip_moves_past_the_failing_task(engine: Engine) -> None:
    _deploy(engine, script="boom = 1 / 0", condition="False")
    result = _run_to_script(engine)
    skipped = engine.skip(result["id"], user="olga")
    assert skipped["status"] == "running"
    assert "boom" not in skipped["data"]
    assert [t["task"] for t in engine.instance(result["id"])["active_tasks"]] == ["after"]


def test_suspend_resume_cancel(engine: Engine) -> None:
    _deploy(engine)
    inst = engine.start("script_gate")
    [item] = engine.tasks(None, scope="all")
    engine.suspend(inst["id"], user="olga")
    with pytest.raises(InstanceNotActive, match="suspended"):
        engine.complete_task(item["id"], {})
    engine.resume(inst["id"], user="olga")
    engine.cancel(inst["id"], user="olga")
    detail = engine.instance(inst["id"])
    assert detail["status"] == "cancelled"
    assert detail["tasks"][0]["status"] == "cancelled"
    assert [h["action"] for h in detail["history"]][-3:] == ["suspended", "resumed", "cancelled"]
