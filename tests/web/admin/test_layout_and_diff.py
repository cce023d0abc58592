"""The generated drawing for BPMN without one, and the element-level version diff."""

from __future__ import annotations

from lxml import etree

from web.processes.diff import element_changes, file_diffs
from web.processes.layout import BPMNDI, with_diagram

from ..api.world import ENGINE_BPMN, HERE

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": BPMNDI}

SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="x">
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="sub">
      <bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing>
      <bpmn:startEvent id="s2"><bpmn:outgoing>c</bpmn:outgoing></bpmn:startEvent>
      <bpmn:task id="inner">
        <bpmn:incoming>c</bpmn:incoming><bpmn:outgoing>d</bpmn:outgoing>
      </bpmn:task>
      <bpmn:endEvent id="e2"><bpmn:incoming>d</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="c" sourceRef="s2" targetRef="inner" />
      <bpmn:sequenceFlow id="d" sourceRef="inner" targetRef="e2" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="late" attachedToRef="sub"><bpmn:outgoing>x</bpmn:outgoing>
      <bpmn:timerEventDefinition /></bpmn:boundaryEvent>
    <bpmn:endEvent id="e">
      <bpmn:incoming>b</bpmn:incoming><bpmn:incoming>x</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="sub" />
    <bpmn:sequenceFlow id="b" sourceRef="sub" targetRef="e" />
    <bpmn:sequenceFlow id="x" sourceRef="late" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def _shapes(xml: str) -> dict[str, tuple[float, float, float, float]]:
    root = etree.fromstring(xml.encode())
    found = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = shape[0]
        found[shape.get("bpmnElement")] = tuple(
            float(bounds.get(k)) for k in ("x", "y", "width", "height")
        )
    return found


def _ids(xml: str, xpath: str) -> set[str]:
    return {str(n) for n in etree.fromstring(xml.encode()).xpath(xpath, namespaces=NS)}


def test_every_node_and_flow_gets_drawn_left_to_right() -> None:
    xml = with_diagram((ENGINE_BPMN / "simple.bpmn").read_text())
    shapes = _shapes(xml)
    nodes = {"start", "enter", "calc", "gw", "approve", "end", "p", "lane_sales", "lane_mgr"}
    assert set(shapes) == nodes
    edges = _ids(xml, "//bpmndi:BPMNEdge/@bpmnElement")
    assert edges == _ids(xml, "//bpmn:sequenceFlow/@id")
    assert shapes["start"][0] < shapes["enter"][0] < shapes["calc"][0] < shapes["gw"][0]
    assert shapes["gw"][0] < shapes["approve"][0] < shapes["end"][0]
    lane_mgr = shapes["lane_mgr"]
    approve = shapes["approve"]
    assert lane_mgr[1] <= approve[1] and approve[1] + approve[3] <= lane_mgr[1] + lane_mgr[3]


def test_loops_do_not_push_columns_for_ever() -> None:
    xml = with_diagram((ENGINE_BPMN / "loop.bpmn").read_text())
    widths = [x + w for x, _, w, _ in _shapes(xml).values()]
    assert max(widths) < 3000  # a back edge is drawn under the diagram, not followed


def test_sub_processes_get_a_plane_of_their_own_and_boundary_events_sit_on_their_host() -> None:
    xml = with_diagram(SUBPROCESS)
    planes = _ids(xml, "//bpmndi:BPMNPlane/@bpmnElement")
    assert planes == {"outer", "sub"}
    shapes = _shapes(xml)
    assert {"inner", "s2", "e2", "late"} <= set(shapes)
    sub, late = shapes["sub"], shapes["late"]
    assert sub[0] <= late[0] <= sub[0] + sub[2]
    assert late[1] < sub[1] + sub[3] < late[1] + late[3]  # on the lower edge
    collapsed = _ids(xml, "//bpmndi:BPMNShape[@bpmnElement='sub']/@isExpanded")
    assert collapsed == {"false"}


def test_files_with_a_drawing_or_broken_xml_are_left_alone() -> None:
    drawn = with_diagram((ENGINE_BPMN / "simple.bpmn").read_text())
    assert with_diagram(drawn) == drawn
    assert with_diagram("<not xml") == "<not xml"
    dmn = (HERE.parents[1] / "admin" / "bpmn" / "score.dmn").read_text()
    assert with_diagram(dmn) == dmn


def test_moving_shapes_is_no_element_change_but_renaming_is() -> None:
    old = with_diagram((ENGINE_BPMN / "simple.bpmn").read_text())
    moved = old.replace('x="250"', 'x="260"')
    assert moved != old
    assert element_changes(old, moved) == []
    renamed = old.replace('name="Calculate"', 'name="Compute"').replace(
        "total = amount * 2", "total = amount * 3"
    )
    [change] = element_changes(old, renamed)
    assert (change.element_id, change.kind, change.tag, change.name) == (
        "calc",
        "changed",
        "scriptTask",
        "Compute",
    )


def test_properties_added_and_removed_elements_are_listed() -> None:
    old = (ENGINE_BPMN / "simple.bpmn").read_text()
    new = old.replace('value="PT4H"', 'value="PT8H"').replace(
        '<bpmn:endEvent id="end">', '<bpmn:endEvent id="finish">'
    )
    kinds = {(c.element_id, c.kind) for c in element_changes(old, new)}
    assert ("enter", "changed") in kinds  # a spiffworkflow property changed
    assert {("end", "removed"), ("finish", "added")} <= kinds


def test_file_diffs_mark_added_removed_and_same_files() -> None:
    diffs = file_diffs(
        {"a.bpmn": "x\n", "f.json": "{}"}, {"a.bpmn": "y\n", "g.json": "{}"}, "v1", "v2"
    )
    assert [(d.name, d.status) for d in diffs] == [
        ("a.bpmn", "changed"),
        ("f.json", "removed"),
        ("g.json", "added"),
    ]
    assert "-x" in diffs[0].lines and "+y" in diffs[0].lines
    assert file_diffs({"a": "1"}, {"a": "1"}, "v1", "v2")[0].status == "same"
