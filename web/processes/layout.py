"""A drawing for BPMN files that have none, so every process can be shown and edited.

bpmn-js draws only what the file's diagram interchange (``bpmndi``) places;
BPMN written by hand or generated often has no such section. This adds one:
flow nodes in columns by their longest distance from a start (back edges of
loops ignored), in rows by lane, boundary events on their task's lower edge,
sub-processes collapsed with their content on a plane of its own. Files that
already carry a diagram are returned unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI}

COLUMN, ROW, MARGIN, LANE_HEADER = 160, 110, 60, 30
CONTAINERS = ("subProcess", "transaction", "adHocSubProcess")


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> tuple[float, float]:
        return self.x + self.w, self.y + self.h / 2

    @property
    def left(self) -> tuple[float, float]:
        return self.x, self.y + self.h / 2


def with_diagram(xml: str) -> str:
    """``xml`` with a generated diagram if it has none (or unchanged if it cannot parse)."""
    try:
        root = etree.fromstring(xml.encode())
    except etree.XMLSyntaxError:
        return xml
    if root.find(f"{{{BPMNDI}}}BPMNDiagram") is not None:
        return xml
    root = _with_prefixes(root)
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    processes = root.findall(f"{{{BPMN}}}process")
    if not processes:
        return xml
    participants = {
        p.get("processRef"): p
        for p in (
            collaboration.findall(f"{{{BPMN}}}participant") if collaboration is not None else []
        )
    }
    top = _diagram(
        root, collaboration.get("id") if collaboration is not None else processes[0].get("id")
    )
    y = 0.0
    for process in processes:
        participant = participants.get(process.get("id"))
        offset = LANE_HEADER if participant is not None else 0
        box, bands = _place(process, top, root, offset, y)
        if participant is not None:
            _shape(top, participant.get("id"), Box(0, y, box.w + offset, box.h), horizontal=True)
            _lanes(top, process, box, bands, offset)
        y += box.h + MARGIN
    return etree.tostring(root, encoding="unicode")


def _with_prefixes(root: etree._Element) -> etree._Element:
    """A copy of ``root`` declaring bpmndi/dc/di, so the added elements get readable prefixes."""
    nsmap = {k: v for k, v in root.nsmap.items() if v not in (BPMNDI, DC, DI)}
    nsmap.update({"bpmndi": BPMNDI, "dc": DC, "di": DI})
    copy = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    copy.text = root.text
    for child in root:
        copy.append(child)
    return copy


def _diagram(root: etree._Element, element_id: str | None) -> etree._Element:
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"diagram_{element_id}")
    return etree.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"plane_{element_id}", bpmnElement=element_id or ""
    )


def _flow_nodes(container: etree._Element) -> list[etree._Element]:
    skip = {
        "sequenceFlow",
        "laneSet",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "textAnnotation",
        "association",
        "extensionElements",
        "documentation",
        "ioSpecification",
    }
    return [
        child
        for child in container.iterchildren(etree.Element)
        if etree.QName(child).namespace == BPMN and etree.QName(child).localname not in skip
    ]


def _size(node: etree._Element) -> tuple[float, float]:
    kind = etree.QName(node).localname
    if kind.endswith("Event"):
        return 36, 36
    if kind.endswith("Gateway"):
        return 50, 50
    return 100, 80


def _layers(
    nodes: dict[str, etree._Element], flows: list[tuple[str, str, str]]
) -> tuple[dict[str, int], set[str]]:
    """Longest-path column per node, and the ids of the flows that close a loop."""
    hosts = {nid: n.get("attachedToRef") for nid, n in nodes.items() if n.get("attachedToRef")}
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    incoming: set[str] = set()
    for fid, src, dst in flows:
        out[hosts.get(src, src)].append((fid, dst))
        incoming.add(dst)
    back: set[str] = set()
    state: dict[str, int] = {}
    order: list[str] = []
    roots = [n for n in nodes if n not in incoming and n not in hosts] + list(nodes)
    for start in roots:
        if start in state or start in hosts:
            continue
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, edges = stack[-1]
            for fid, dst in edges:
                if state.get(dst) == 1:
                    back.add(fid)
                elif dst not in state and dst in nodes:
                    state[dst] = 1
                    stack.append((dst, iter(out[dst])))
                    break
            else:
                state[node] = 2
                order.append(node)
                stack.pop()
    layer = dict.fromkeys(nodes, 0)
    for node in reversed(order):
        for fid, dst in out[node]:
            if fid not in back and dst in layer:
                layer[dst] = max(layer[dst], layer[node] + 1)
    for boundary, host in hosts.items():
        layer[boundary] = layer.get(host or "", 0)
    return layer, back


def _lane_of(container: etree._Element) -> tuple[dict[str, int], int]:
    lanes = container.findall(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane")
    found = {}
    for index, lane in enumerate(lanes):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            found[(ref.text or "").strip()] = index
    return found, len(lanes)


def _place(
    container: etree._Element, plane: etree._Element, root: etree._Element, x0: float, y0: float
) -> tuple[Box, list[float]]:
    """Lay out one process or sub-process on ``plane``: the box it takes, its lanes' tops."""
    nodes = {n.get("id"): n for n in _flow_nodes(container) if n.get("id")}
    flows = [
        (f.get("id"), f.get("sourceRef"), f.get("targetRef"))
        for f in container.findall(f"{{{BPMN}}}sequenceFlow")
    ]
    layer, back = _layers(nodes, flows)
    lane_of, lane_count = _lane_of(container)
    rows = max(lane_count, 1)
    slots: dict[tuple[int, int], int] = defaultdict(int)
    per_lane: dict[int, int] = defaultdict(lambda: 1)
    placed: dict[str, tuple[int, int, int]] = {}
    for nid, node in nodes.items():
        if node.get("attachedToRef"):
            continue
        lane = lane_of.get(nid, rows - 1 if lane_count else 0)
        slot = slots[(lane, layer[nid])]
        slots[(lane, layer[nid])] += 1
        per_lane[lane] = max(per_lane[lane], slot + 1)
        placed[nid] = (lane, layer[nid], slot)
    lane_top, top = {}, y0 + MARGIN / 2
    for lane in range(rows):
        lane_top[lane] = top
        top += per_lane[lane] * ROW
    boxes: dict[str, Box] = {}
    for nid, (lane, column, slot) in placed.items():
        w, h = _size(nodes[nid])
        cx = x0 + MARGIN + column * COLUMN + 50
        cy = lane_top[lane] + slot * ROW + ROW / 2
        boxes[nid] = Box(cx - w / 2, cy - h / 2, w, h)
    for nid, node in nodes.items():
        host = boxes.get(node.get("attachedToRef") or "")
        if host is not None:
            boxes[nid] = Box(host.x + host.w - 30, host.y + host.h - 18, 36, 36)
    for nid, box in boxes.items():
        expanded = etree.QName(nodes[nid]).localname in CONTAINERS
        _shape(plane, nid, box, expanded=False if expanded else None)
        if expanded:
            _place(nodes[nid], _diagram(root, nid), root, 0, 0)
    bottom = max((b.y + b.h for b in boxes.values()), default=y0) + 40
    for fid, src, dst in flows:
        if src in boxes and dst in boxes:
            _edge(plane, fid, boxes[src], boxes[dst], fid in back, bottom)
    width = MARGIN * 2 + (max(layer.values(), default=0) + 1) * COLUMN
    height = max(top - y0 + MARGIN / 2, bottom - y0 + 20)
    return Box(x0, y0, width, height), [lane_top[lane] for lane in range(rows)]


def _lanes(
    plane: etree._Element, process: etree._Element, box: Box, tops: list[float], offset: float
) -> None:
    """One band per lane, from its first row to the next lane's (the last to the pool's end)."""
    lanes = process.findall(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane")
    edges = [box.y, *tops[1 : len(lanes)], box.y + box.h]
    for index, lane in enumerate(lanes):
        top, end = edges[index], edges[index + 1]
        _shape(plane, lane.get("id"), Box(offset, top, box.w, end - top), horizontal=True)


def _shape(
    plane: etree._Element,
    element_id: str | None,
    box: Box,
    *,
    horizontal: bool | None = None,
    expanded: bool | None = None,
) -> None:
    shape = etree.SubElement(
        plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id or ""
    )
    if horizontal is not None:
        shape.set("isHorizontal", "true" if horizontal else "false")
    if expanded is not None:
        shape.set("isExpanded", "true" if expanded else "false")
    etree.SubElement(
        shape, f"{{{DC}}}Bounds", x=_n(box.x), y=_n(box.y), width=_n(box.w), height=_n(box.h)
    )


def _edge(
    plane: etree._Element, flow_id: str | None, src: Box, dst: Box, back: bool, bottom: float
) -> None:
    edge = etree.SubElement(
        plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id or ""
    )
    if back:
        sx, sy = src.x + src.w / 2, src.y + src.h
        tx, ty = dst.x + dst.w / 2, dst.y + dst.h
        points = [(sx, sy), (sx, bottom), (tx, bottom), (tx, ty)]
    else:
        (sx, sy), (tx, ty) = src.right, dst.left
        mid = (sx + tx) / 2
        points = [(sx, sy), (tx, ty)] if sy == ty else [(sx, sy), (mid, sy), (mid, ty), (tx, ty)]
    for x, y in points:
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y))


def _n(value: float) -> str:
    return str(round(value))
