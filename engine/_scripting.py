"""The script engine Spiff calls: sandboxed scripts, and service tasks dispatched to operators.

Every script, condition, timer and payload expression goes through
:class:`~engine._sandbox.SandboxEnvironment`. Service tasks call registered
operators with the step's context; each call runs in a SAVEPOINT, so a failing
operator leaves none of its writes behind while earlier tasks of the step keep
theirs.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from ._calendar import business_deadline
from ._errors import EngineError, OperatorError, ScriptError
from ._operators import STEP_KEY, OperatorRegistry, StepContext
from ._sandbox import SandboxEnvironment
from ._state import to_jsonable

_step: contextvars.ContextVar[StepContext] = contextvars.ContextVar("clientflow_step")

DEFAULT_HELPERS: Mapping[str, Any] = {
    "business_deadline": business_deadline,
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}


@contextmanager
def step_context(ctx: StepContext) -> Iterator[StepContext]:
    """Make ``ctx`` the context that service tasks in this thread run with."""
    token = _step.set(ctx)
    try:
        yield ctx
    finally:
        _step.reset(token)


class ScriptEngine(PythonScriptEngine):
    """Spiff's script engine with our sandbox and operator dispatch."""

    def __init__(
        self, operators: OperatorRegistry, helpers: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(environment=SandboxEnvironment({**DEFAULT_HELPERS, **(helpers or {})}))
        self.operators = operators

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as exc:
            raise _task_error(task, exc, f"expression '{expression}'") from exc
        except Exception as exc:  # the sandbox wraps errors; this is a last line of defence
            raise _task_error(
                task, ScriptError(f"{type(exc).__name__}: {exc}"), "expression"
            ) from exc

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except ScriptError as exc:
            raise _task_error(task, exc, "script") from exc
        except Exception as exc:
            raise _task_error(task, ScriptError(f"{type(exc).__name__}: {exc}"), "script") from exc

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        params = {k: v["value"] for k, v in kwargs.get("operation_params", {}).items()}
        spec = self.operators.get(name)
        if spec is None:
            raise WorkflowTaskException(f"operator '{name}' is not registered", task=task)
        ctx = _step.get(None)
        if ctx is None:
            raise WorkflowTaskException("service tasks can only run inside a step", task=task)
        # shares the session and the after_commit list with the step
        task_ctx = replace(ctx, task_id=str(task.id), task_name=task.task_spec.name)
        info = ctx.session.info
        info[STEP_KEY] = task_ctx  # writes are recorded against this service task
        try:
            with ctx.session.begin_nested():
                result = spec.func(task_ctx, **params)
                ctx.session.flush()
        except EngineError as exc:
            raise _operator_error(task, name, exc) from exc
        except Exception as exc:  # an operator bug must become an incident, not a crash
            raise _operator_error(
                task, name, OperatorError(f"{type(exc).__name__}: {exc}")
            ) from exc
        finally:
            info[STEP_KEY] = ctx
        return json.dumps(to_jsonable(result))


def _task_error(task: Any, exc: ScriptError, what: str) -> WorkflowTaskException:
    err = WorkflowTaskException(
        f"{what} failed: {exc.message}",
        task=task,
        exception=exc,
        line_number=exc.line_number,
        error_line=exc.error_line,
    )
    err.engine_error = exc
    return err


def _operator_error(task: Any, name: str, exc: EngineError) -> WorkflowTaskException:
    err = WorkflowTaskException(
        f"operator '{name}' failed: {exc.message}", task=task, exception=exc
    )
    err.engine_error = exc
    return err
