"""Fixtures of the process scenario tests: the demo organisation on a real database.

``crm_engine`` is an engine with every handler registered, the engine and CRM
tables, the write guard, and the demo users and groups of ``clientflow demo``.
``clock`` is a manual clock in force for the test: timers fire when a test
moves it and calls ``fire_due_timers``, never by waiting. ``complaints`` is
complaint_resolution deployed with the support staff of ``_support`` (gena and
gleb in support, dina leading it, egor in finance), groups working 24x7 unless a
test gives them ``office_hours``. ``deals`` and ``deal_id`` set up deal approval.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clientflow_cli.commands.demo import OFFICE_HOURS, load_organisation
from engine import Engine, ManualClock, add_group, set_calendar, using_clock
from tests.conftest import make_crm_engine

from . import _support

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MONDAY_9AM_MOSCOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """A clock standing at Monday 09:00 in Moscow (office hours start) until moved."""
    manual = ManualClock(MONDAY_9AM_MOSCOW)
    with using_clock(manual):
        yield manual


@pytest.fixture
def crm_engine(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    """An engine with handlers, CRM tables and the demo organisation (users, groups)."""
    engine = make_crm_engine(db_url)
    load_organisation(engine)
    yield engine
    engine.db.dispose()


@pytest.fixture
def complaints(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    """complaint_resolution on an engine with the support staff of ``_support``."""
    engine = _support.make_crm_engine(db_url)
    engine.deploy(_support.bundle_of("complaint_resolution"))
    yield engine
    engine.db.dispose()


@pytest.fixture
def deals(crm_engine: Engine) -> Engine:
    """The demo organisation with a sales director above boris; both sales processes."""
    from ._deals import set_up_sales

    set_up_sales(crm_engine)
    return crm_engine


@pytest.fixture
def deal_id(deals: Engine) -> int:
    """A deal converted from a web lead by anna."""
    from ._deals import converted_deal

    return converted_deal(deals)


def office_hours(engine: Engine, *groups: str) -> None:
    """``groups`` work the demo's office calendar: Moscow, Monday to Friday, 09:00-18:00."""
    set_calendar(engine, "office", OFFICE_HOURS)
    for group in groups:
        add_group(engine, group, calendar="office")


def deploy_process(engine: Engine, name: str) -> None:
    """Deploy ``processes/<name>/`` exactly as ``clientflow deploy`` reads it."""
    from engine._deploy import read_bundle

    engine.deploy(read_bundle(PROCESSES / name))


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"


def assert_diagram_complete(path: Path) -> None:
    """Every lane, flow node and flow is drawn (bpmn-js shows nothing of what is not),
    edges have waypoints, and no two shapes of one lane overlap."""
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    ns = {"bpmn": BPMN_NS, "bpmndi": DI_NS, "dc": DC_NS}
    drawn = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", ns)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    process = root.find("bpmn:process", ns)
    assert process is not None
    nodes = [
        el
        for el in process
        if el.get("id") and not el.tag.endswith(("sequenceFlow", "laneSet", "documentation"))
    ]
    lanes = process.findall(".//bpmn:lane", ns)
    missing = [el.get("id") for el in [*nodes, *lanes] if el.get("id") not in drawn]
    assert not missing, f"not drawn: {missing}"
    flows = process.findall("bpmn:sequenceFlow", ns)
    bare = [f.get("id") for f in flows if len(edges.get(f.get("id"), [])) < 2]
    assert not bare, f"flows without waypoints: {bare}"
    boxes = []
    for el in nodes:
        if el.tag.endswith("boundaryEvent"):
            continue  # drawn on its task's border by design
        b = drawn[el.get("id")].find("dc:Bounds", ns)
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        boxes.append((el.get("id"), x, y, x + w, y + h))
    for i, (a, ax1, ay1, ax2, ay2) in enumerate(boxes):
        for b, bx1, by1, bx2, by2 in boxes[i + 1 :]:
            overlap = ax1 < bx2 and bx1 < ax2 and ay1 < by2 and by1 < ay2
            assert not overlap, f"{a} overlaps {b}"


def assert_drawn_in_lanes(path: Path) -> dict[str, set[str]]:
    """Every lane's nodes are drawn inside it and boundary events on their task's border;
    returns each lane's (group's) node ids."""
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    ns = {"bpmn": BPMN_NS, "bpmndi": DI_NS, "dc": DC_NS}

    def box(element_id: str) -> tuple[float, float, float, float]:
        shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']/dc:Bounds", ns)
        assert shape is not None, element_id
        x, y, w, h = (float(shape.get(k)) for k in ("x", "y", "width", "height"))
        return x, y, x + w, y + h

    lanes: dict[str, set[str]] = {}
    for lane in root.iterfind(".//bpmn:lane", ns):
        lx1, ly1, lx2, ly2 = box(lane.get("id"))
        lanes[lane.get("name")] = {r.text for r in lane.iterfind("bpmn:flowNodeRef", ns)}
        for ref in lanes[lane.get("name")]:
            x1, y1, x2, y2 = box(ref)
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            assert lx1 <= cx <= lx2 and ly1 <= cy <= ly2, f"{ref} outside {lane.get('id')}"
    for event in root.iterfind(".//bpmn:boundaryEvent", ns):
        tx1, ty1, tx2, ty2 = box(event.get("attachedToRef"))
        x1, y1, x2, y2 = box(event.get("id"))
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        on_border = (cx in (tx1, tx2) and ty1 <= cy <= ty2) or (
            cy in (ty1, ty2) and tx1 <= cx <= tx2
        )
        assert on_border, f"{event.get('id')} is not on the border of its task"
    return lanes
