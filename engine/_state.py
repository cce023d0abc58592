"""Instance state: SpiffWorkflow's serialization without the spec.

The spec of a version is parsed once and cached (``_definitions``); an instance
row only holds what changes: the task tree, data, correlations, subprocesses.
Task data may hold ``date``, ``datetime``, ``Decimal`` and ``UUID`` values,
which the default serializer cannot convert; they are registered here.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    from ._definitions import ParsedVersion

STATE_FORMAT = 1


def _make_registry() -> Any:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


_REGISTRY = _make_registry()


def dumps(workflow: BpmnWorkflow) -> str:
    """Serialize everything but the spec to JSON text (Spiff's format, built faster).

    Tasks are written as Spiff's ``TaskConverter`` writes them (a child keeps
    only its data delta against its parent), except that the delta's values
    go through the registry too, so ``Decimal`` and ``date`` survive a reload.
    """
    reg = _REGISTRY
    state = {
        "format": STATE_FORMAT,
        "data": reg.convert(reg.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_dict(workflow.tasks),
        "root": str(workflow.task_tree.id),
        "subprocesses": {str(k): reg.convert(sp) for k, sp in workflow.subprocesses.items()},
        "bpmn_events": reg.convert(workflow.bpmn_events),
    }
    try:
        return orjson.dumps(state, default=_json_default, option=_OPTIONS).decode()
    except TypeError:  # what orjson refuses (integers beyond 64 bits), json may still write
        return json.dumps(state, separators=(",", ":"), default=_json_default)


def _tasks_dict(tasks: dict[UUID, Any]) -> dict[str, dict[str, Any]]:
    ids = {k: str(k) for k in tasks}  # each id turned into text once, not once per mention
    return {ids[k]: _task_dict(t, ids) for k, t in tasks.items()}


def _task_dict(task: Any, ids: dict[UUID, str]) -> dict[str, Any]:
    parent = task.parent
    data: dict[str, Any] = {}
    delta: dict[str, Any] = {}
    if parent is None:
        data = _convert_data(task.data)
    elif task.data:
        before, after = parent.data, task.data
        updates = {k: v for k, v in after.items() if k not in before or before[k] != v}
        delta = {
            "updates": _convert_data(updates) if updates else {},
            "deletions": [k for k in before if k not in after],
        }
    else:
        delta = {"updates": {}, "deletions": list(parent.data)}
    internal = task.internal_data
    return {
        "id": ids[task.id],
        "parent": ids.get(task._parent) or str(task._parent) if parent is not None else None,
        "children": [ids.get(child) or str(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task.state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": _REGISTRY.convert(internal) if internal else {},
        "data": data,
        "delta": delta,
        "typename": "Task",
    }


def _convert_data(data: dict[str, Any]) -> dict[str, Any]:
    """Task data for storage: callables dropped, registered types (``Decimal``...) tagged."""
    if all(type(v) in _PLAIN for v in data.values()):
        return data
    converted: dict[str, Any] = _REGISTRY.convert(_REGISTRY.clean(data))
    return converted


_PLAIN = frozenset({str, int, float, bool, type(None)})
_OPTIONS = orjson.OPT_NON_STR_KEYS


def loads(text: str, version: ParsedVersion, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the cached spec of its version."""
    state = orjson.loads(text)
    reg = _REGISTRY
    workflow = BpmnWorkflow(
        version.spec, version.subprocess_specs, script_engine=script_engine, deserializing=True
    )
    workflow.tasks = {UUID(k): reg.restore(v, workflow=workflow) for k, v in state["tasks"].items()}
    workflow.task_tree = workflow.tasks[UUID(state["root"])]
    workflow.success = state["success"]
    workflow.completed = state.get("completed", False)
    workflow.correlations = state.get("correlations", {})
    last = state.get("last_task")
    workflow.last_task = workflow.tasks.get(UUID(last)) if last else None
    workflow.data = reg.restore(state.get("data", {}))
    _restore_subprocesses(state["subprocesses"], workflow)
    workflow.bpmn_events = reg.restore(state.get("bpmn_events", []))
    return workflow


def _restore_subprocesses(dct: dict[str, Any], workflow: BpmnWorkflow) -> None:
    if dct:
        _ConverterShim().subprocesses_from_dict(dict(dct), workflow)


class _ConverterShim:
    """Lets us reuse Spiff's subprocess restoration, which only needs ``registry``."""

    registry = _REGISTRY

    def subprocesses_from_dict(
        self, dct: dict[str, Any], workflow: Any, top_workflow: Any = None
    ) -> None:
        from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter

        BpmnWorkflowConverter.subprocesses_from_dict(self, dct, workflow, top_workflow)


def to_jsonable(value: Any) -> Any:
    """Task data as plain JSON values (for audit, inbox and the API)."""
    try:
        return orjson.loads(orjson.dumps(value, default=_json_default, option=_OPTIONS))
    except TypeError:  # integers beyond 64 bits
        return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"value of type {type(value).__name__} cannot be stored in task data")
