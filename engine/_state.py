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

from . import _json, _state_tasks

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    from ._definitions import ParsedVersion

STATE_FORMAT = 2
WIDE_INTS = "wide_ints"
"""Set in a state that holds integers beyond 64 bits, which only :mod:`json` reads exactly."""


def _make_registry() -> Any:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


_REGISTRY = _make_registry()


def dumps(workflow: BpmnWorkflow) -> str:
    """Serialize everything but the spec to JSON text (format 2).

    The task tree is written as compact rows (see ``_state_tasks``): what
    Spiff's ``TaskConverter`` writes (a child keeps only its data delta
    against its parent), at about a third of the size, and the delta's values
    go through the registry too, so ``Decimal`` and ``date`` survive a reload.
    Format 1 (Spiff's own task dicts) is still read.
    """
    reg = _REGISTRY
    tasks = workflow.tasks
    positions = {tid: n for n, tid in enumerate(tasks)}
    last = workflow.last_task
    events = workflow.bpmn_events
    state = {
        "format": STATE_FORMAT,
        "data": _convert_data(workflow.data),
        "correlations": workflow.correlations,
        "last_task": positions.get(last.id, str(last.id)) if last is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _state_tasks.dump(tasks, positions, _convert_data, _convert_any),
        "root": positions[workflow.task_tree.id],
        "subprocesses": {str(k): reg.convert(sp) for k, sp in workflow.subprocesses.items()},
        "bpmn_events": reg.convert(events) if events else [],
    }
    try:
        return orjson.dumps(state, default=_json_default, option=_OPTIONS).decode()
    except TypeError:  # integers beyond 64 bits: orjson neither writes nor reads them exactly
        state[WIDE_INTS] = True  # tells loads to read with json too
        return json.dumps(state, separators=(",", ":"), default=_json_default)


def _convert_data(data: dict[str, Any]) -> dict[str, Any]:
    """Task data for storage: callables dropped, registered types (``Decimal``...) tagged."""
    if all(type(v) in _PLAIN for v in data.values()):
        return data
    converted: dict[str, Any] = _REGISTRY.convert(_REGISTRY.clean(data))
    return converted


def _convert_any(value: Any) -> Any:
    """A task's internal data for storage: registered types tagged (nothing dropped)."""
    if type(value) is dict and all(type(v) in _PLAIN for v in value.values()):
        return value
    return _REGISTRY.convert(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})
_OPTIONS = orjson.OPT_NON_STR_KEYS


def loads(text: str, version: ParsedVersion, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the cached spec of its version."""
    state = orjson.loads(text)
    if state.get(WIDE_INTS):
        state = json.loads(text)  # orjson reads integers beyond 64 bits as floats
    reg = _REGISTRY
    workflow = BpmnWorkflow(
        version.spec, version.subprocess_specs, script_engine=script_engine, deserializing=True
    )
    if state.get("format") == STATE_FORMAT:
        tasks = _state_tasks.load(workflow, state["tasks"], reg.restore)
        workflow.tasks = {task.id: task for task in tasks}
        workflow.task_tree = tasks[state["root"]]
        last = state.get("last_task")
        workflow.last_task = tasks[last] if isinstance(last, int) else _task(workflow, last)
    else:  # format 1: Spiff's task dicts keyed by id
        workflow.tasks = {
            UUID(k): reg.restore(v, workflow=workflow) for k, v in state["tasks"].items()
        }
        workflow.task_tree = workflow.tasks[UUID(state["root"])]
        workflow.last_task = _task(workflow, state.get("last_task"))
    workflow.success = state["success"]
    workflow.completed = state.get("completed", False)
    workflow.correlations = state.get("correlations", {})
    workflow.data = reg.restore(state.get("data", {}))
    _restore_subprocesses(state["subprocesses"], workflow)
    workflow.bpmn_events = reg.restore(state.get("bpmn_events", []))
    return workflow


def _task(workflow: BpmnWorkflow, task_id: str | None) -> Any:
    return workflow.tasks.get(UUID(task_id)) if task_id else None


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
    try:
        return _json.plain(value)
    except TypeError:
        raise TypeError(
            f"value of type {type(value).__name__} cannot be stored in task data"
        ) from None
