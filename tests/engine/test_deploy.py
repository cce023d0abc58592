"""Deploying versions: broken or unsupported BPMN is refused by name; instances keep theirs."""

from __future__ import annotations

import pytest

from engine import DefinitionError, Engine, OperatorRegistry

from ..conftest import bundle, make_engine

LINK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="x">
  <bpmn:process id="linked" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateThrowEvent id="jump" name="Jump">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:linkEventDefinition name="to_end" />
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="jump" />
  </bpmn:process>
</bpmn:definitions>
"""

SERVICE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="svc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="call_crm" name="Call CRM">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="crm.nothing_here" resultVariable="r">
          <spiffworkflow:parameters />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_crm" />
    <bpmn:sequenceFlow id="f2" sourceRef="call_crm" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_link_event_is_refused_naming_the_element(engine: Engine) -> None:
    with pytest.raises(DefinitionError) as err:
        engine.deploy({"linked.bpmn": LINK})
    [problem] = err.value.problems
    assert problem.element_id == "jump"
    assert problem.line == 6
    assert "link events" in problem.message
    assert engine.processes() == []


def test_unregistered_operator_is_refused(engine: Engine) -> None:
    with pytest.raises(DefinitionError, match=r"crm\.nothing_here.*not registered"):
        engine.deploy({"svc.bpmn": SERVICE})


def test_bad_xml_and_bad_form_are_refused(engine: Engine) -> None:
    with pytest.raises(DefinitionError, match="not well-formed XML"):
        engine.deploy({"x.bpmn": "<bpmn:definitions"})
    files = bundle("simple.bpmn", "enter.json", "approve.json")
    files["enter.json"] = '{"type": "object", "properties": {"a": {"type": "nonsense"}}}'
    with pytest.raises(DefinitionError, match=r"enter\.json.*not a valid JSON Schema"):
        engine.deploy(files)


def test_missing_form_file_is_refused(engine: Engine) -> None:
    files = bundle("simple.bpmn", "enter.json")
    with pytest.raises(DefinitionError, match=r"element 'approve'.*approve\.json"):
        engine.deploy(files)


def test_redeploy_same_content_keeps_version(engine: Engine) -> None:
    files = bundle("loop.bpmn")
    [first] = engine.deploy(files)
    [again] = engine.deploy(files)
    assert first["version"] == again["version"] == 1


def test_running_instances_keep_their_version(db_url: str) -> None:
    engine = make_engine(db_url)
    files = bundle("loop.bpmn")
    engine.deploy(files)
    old = engine.start("loop_test")
    files["loop.bpmn"] = files["loop.bpmn"].replace('name="Review"', 'name="Review again"')
    [v2] = engine.deploy(files)
    assert v2["version"] == 2
    new = engine.start("loop_test")
    titles = {t["instance_id"]: t["title"] for t in engine.tasks(None, scope="all")}
    assert titles[old["id"]] == "Review"
    assert titles[new["id"]] == "Review again"
    # a broken deploy leaves both running instances alone
    with pytest.raises(DefinitionError):
        engine.deploy({"loop.bpmn": LINK})
    # a fresh engine (another worker) parses the old version from the stored files
    other = make_engine(db_url)
    [item] = [t for t in other.tasks(None, scope="all") if t["instance_id"] == old["id"]]
    done = other.complete_task(item["id"], {"again": False})
    assert done["status"] == "completed"
    assert done["version_id"] == old["version_id"]


def test_registered_operator_passes_validation(engine: Engine) -> None:
    ops = OperatorRegistry()
    ops.add("crm.nothing_here", lambda ctx: {"ok": True})
    other = Engine(engine.db, ops)
    [v] = other.deploy({"svc.bpmn": SERVICE})
    assert v["key"] == "svc"
    result = other.start("svc")
    assert result["status"] == "completed"
    assert result["data"]["r"] == {"ok": True}


def test_start_sees_a_version_deployed_by_another_process(db_url: str) -> None:
    web = make_engine(db_url)
    modeler = make_engine(db_url)
    files = bundle("loop.bpmn")
    web.deploy(files)
    first = web.start("loop_test")  # web now remembers v1 as the newest
    files["loop.bpmn"] = files["loop.bpmn"].replace('name="Review"', 'name="Review v2"')
    [v2] = modeler.deploy(files)
    second = web.start("loop_test")
    assert second["version_id"] == v2["id"] != first["version_id"]
    titles = {t["instance_id"]: t["title"] for t in web.tasks(None, scope="all")}
    assert titles[second["id"]] == "Review v2"
