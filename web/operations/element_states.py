"""Which BPMN elements of an instance are done, active or failed, for the diagram.

Three sources, all read-only: the work items and audit trail the engine
writes (done/open user tasks, fired timers, retried or skipped tasks), the
unresolved incidents (errored), and the task states still held in the stored
workflow state (service, script and gateway tasks, waiting events). The
engine prunes completed tasks from that state, so the audit trail is what
remembers the older ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree
from SpiffWorkflow.util.task import TaskState

from engine import Engine
from engine.models import Instance

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
COMPLETED_ACTIONS = frozenset({"task_completed", "timer_fired", "retried", "skipped"})
ACTIVE_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def element_states(engine: Engine, detail: Mapping[str, Any], bpmn: str) -> dict[str, list[str]]:
    """element id -> classes for ``_diagram.html`` (``completed``, ``active``, ``errored``)."""
    completed: set[str] = set()
    active: set[str] = set()
    errored = {i["task"] for i in detail["incidents"] if i["task"] and not i["resolved_at"]}
    for item in detail["tasks"]:
        (active if item["status"] == "open" else completed).add(item["task"])
    for entry in detail["history"]:
        if entry["action"] in COMPLETED_ACTIONS and entry["task"]:
            completed.add(entry["task"])
    for name, state in _stored_task_states(engine, detail["id"]):
        if state & TaskState.COMPLETED:
            completed.add(name)
        elif state & ACTIVE_STATES and detail["status"] not in ("completed", "cancelled"):
            active.add(name)
        elif state & TaskState.ERROR:
            errored.add(name)
    completed |= _ran_before(bpmn, completed | active | errored)
    marks: dict[str, list[str]] = {}
    for kind, names in (
        ("completed", completed - active - errored),
        ("active", active - errored),
        ("errored", errored),
    ):
        for name in names:
            marks.setdefault(name, []).append(kind)
    return marks


def _ran_before(bpmn: str, reached: set[str]) -> set[str]:
    """Elements that must have run: the only way into an element that was reached.

    The stored state forgets completed script and service tasks (the engine
    prunes them) and the audit trail records only user tasks and timers, so a
    node whose single incoming flow comes from X tells us that X completed.
    """
    try:
        root = etree.fromstring(bpmn.encode())
    except etree.XMLSyntaxError:
        return set()
    sources: dict[str, list[str]] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        sources.setdefault(flow.get("targetRef", ""), []).append(flow.get("sourceRef", ""))
    found: set[str] = set()
    todo = list(reached)
    while todo:
        into = sources.get(todo.pop(), [])
        if len(into) == 1 and into[0] not in found and into[0] not in reached:
            found.add(into[0])
            todo.append(into[0])
    return found


def _stored_task_states(engine: Engine, instance_id: str) -> Iterator[tuple[str, int]]:
    """(task spec name, state) of every task in the stored state, subprocesses included."""
    with engine.session() as session:
        row = session.get(Instance, uuid.UUID(instance_id))
        text = row.state if row is not None else None
    if not text:
        return
    try:
        state = json.loads(text)
    except ValueError:
        return
    yield from _walk(state)


def _walk(node: Any) -> Iterator[tuple[str, int]]:
    """Every ``{"task_spec": name, "state": n}`` found under ``tasks`` maps, at any depth."""
    if isinstance(node, Mapping):
        tasks = node.get("tasks")
        if isinstance(tasks, Mapping):
            for task in tasks.values():
                if isinstance(task, Mapping) and isinstance(task.get("state"), int):
                    yield str(task.get("task_spec")), int(task["state"])
        for key, value in node.items():
            if key != "tasks" and isinstance(value, Mapping | list):
                yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
