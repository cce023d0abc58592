"""A one-service-task process for any operator, so an operator test needs no BPMN file."""

from __future__ import annotations

from typing import Any

from engine import Engine

from .conftest import USER

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{key}" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="call" name="Call {operator}">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="result">
          <spiffworkflow:parameters>{params}
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def call(engine: Engine, operator: str, user: str = USER, **data: Any) -> dict[str, Any]:
    """Run ``operator`` in a service task with ``data`` as its parameters (one per key)."""
    key = "t_" + operator.replace(".", "_") + "_" + "_".join(sorted(data))
    params = "".join(
        f'\n            <spiffworkflow:parameter id="{name}" type="any" value="{name}" />'
        for name in data
    )
    engine.deploy({f"{key}.bpmn": TEMPLATE.format(key=key, operator=operator, params=params)})
    return engine.start(key, data, user)
