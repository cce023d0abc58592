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
    """Serialize everything but the spec to JSON text."""
    reg = _REGISTRY
    state = {
        "format": STATE_FORMAT,
        "data": reg.convert(reg.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": {str(k): reg.convert(t) for k, t in workflow.tasks.items()},
        "root": str(workflow.task_tree.id),
        "subprocesses": {str(k): reg.convert(sp) for k, sp in workflow.subprocesses.items()},
        "bpmn_events": reg.convert(workflow.bpmn_events),
    }
    return json.dumps(state, separators=(",", ":"), default=_json_default)


def loads(text: str, version: ParsedVersion, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the cached spec of its version."""
    state = json.loads(text)
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
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"value of type {type(value).__name__} cannot be stored in task data")
