"""crm.note_case_reply beyond an email: a call on the case, and one reply caught twice.

A complaint may wait on two tasks at once (the agent's resolution and finance's
refund) and both catch the customer's reply in the same step; the second noting
finds it noted, so the case shows one interaction and the process one task.
"""

from __future__ import annotations

from crm.models import CaseStatus, Interaction, InteractionKind
from engine import Engine

from .conftest import USER, count, get, incident, result
from .operator_bpmn import call
from .seeds import seed_case

TWICE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_t_noted_twice" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="t_noted_twice" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {tasks}
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second" />
    <bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
NOTE = """<bpmn:serviceTask id="{name}">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="crm.note_case_reply" resultVariable="{name}_note">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="case_id" type="any" value="case_id" />
            <spiffworkflow:parameter id="text" type="any" value="text" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>
    </bpmn:serviceTask>"""


def test_a_call_is_noted_as_a_call_under_the_telephony_id(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.WAITING_CUSTOMER, owner="gena")

    outcome = call(
        engine,
        "crm.note_case_reply",
        case_id=case_id,
        sender="+79215550102",
        external_id="call:CA1",
        channel="phone",
    )

    found = result(outcome)
    assert (found["owner"], found["already_noted"]) == ("gena", False)
    note = get(engine, Interaction, found["interaction_id"])
    assert (note.kind, note.channel, note.subject, note.external_id) == (
        InteractionKind.CALL,
        "phone",
        "[CASE-900001] Customer called",
        "call:CA1",
    )
    assert (note.direction, note.sender, note.body) == ("in", "+79215550102", None)


def test_one_reply_noted_twice_in_a_step_is_one_interaction(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.IN_PROGRESS)
    tasks = NOTE.format(name="first", incoming="f1", outgoing="f2") + NOTE.format(
        name="second", incoming="f2", outgoing="f3"
    )
    engine.deploy({"t_noted_twice.bpmn": TWICE.format(tasks=tasks)})

    outcome = engine.start("t_noted_twice", {"case_id": case_id, "text": "Any news?"}, USER)

    assert outcome["status"] == "completed", outcome["incident"]
    first, second = outcome["data"]["first_note"], outcome["data"]["second_note"]
    assert (first["already_noted"], second["already_noted"]) == (False, True)
    assert first["interaction_id"] == second["interaction_id"]
    assert count(engine, Interaction, Interaction.case_id == case_id) == 1


def test_the_same_words_in_two_steps_are_two_replies(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.IN_PROGRESS)

    notes = [
        result(call(engine, "crm.note_case_reply", case_id=case_id, text="Hello?"))
        for _ in range(2)
    ]

    assert [n["already_noted"] for n in notes] == [False, False]
    assert count(engine, Interaction, Interaction.case_id == case_id) == 2


def test_an_unknown_channel_is_an_incident(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.IN_PROGRESS)

    outcome = call(engine, "crm.note_case_reply", case_id=case_id, channel="fax")

    assert "field 'channel'" in incident(engine, outcome)
