"""A sandboxed drop-in for SpiffWorkflow's ``TaskDataEnvironment``.

Process owners write Python in BPMN (scripts, gateway conditions, timer and
payload expressions). SpiffWorkflow's default runs it with plain ``exec`` and
full builtins; this environment compiles it with RestrictedPython plus the
rewrite of ``engine._sandbox_rewrite`` and runs it with the guards of
``engine._sandbox_checks``, a small allow-list of builtins, and the CPU budget and
size limits of ``engine._sandbox_limits``. Semantics otherwise follow
``TaskDataEnvironment``: expressions see task data and helpers, top-level
assignments of a script become task data.

Any failure leaves the task data exactly as it was: a script runs on a deep
copy that is written back only on success; an expression runs on the real data
only when it cannot modify it, otherwise on a copy, and never writes back.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from engine._errors import SandboxViolation, ScriptError
from engine._sandbox_checks import TICK_GUARD, Forbidden, Guards, guarded_type, internal_import
from engine._sandbox_limits import SCRIPT_FILENAME, Budget, Violation, text_size
from engine._sandbox_rewrite import CompileViolation, SandboxTransformer

__all__ = ["SandboxEnvironment"]

Mode = Literal["eval", "exec"]

DEFAULT_HELPERS: Mapping[str, Any] = {
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}
MAX_INT_BITS = 100_000
# Word lists (noqa SIM905: a list literal would take one line per word).
# Builtins scripts get as they are:
_PLAIN_BUILTINS = (  # noqa: SIM905
    "bool float list dict set tuple frozenset len abs reversed enumerate zip any all isinstance "
    "divmod chr ord next ArithmeticError AssertionError AttributeError Exception IndexError "
    "KeyError LookupError NameError NotImplementedError OverflowError RecursionError RuntimeError "
    "StopIteration TypeError UnboundLocalError ValueError ZeroDivisionError"
).split()
# Builtins refused with a clear message when used:
_FORBIDDEN_BUILTINS = (  # noqa: SIM905
    "open exec eval compile globals locals vars input breakpoint memoryview type object super dir "
    "help exit quit setattr delattr classmethod staticmethod property id bytes bytearray format"
).split()
# Methods that change a list, dict or set in place: an expression using one runs on a copy.
_MUTATING_METHODS = frozenset(
    (  # noqa: SIM905
        "append extend insert pop remove clear sort reverse update setdefault popitem add discard "
        "difference_update intersection_update symmetric_difference_update"
    ).split()
)
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class _Compiled:
    """A compiled script, or why it cannot run; cached by source text."""

    code: types.CodeType | None
    lines: tuple[str, ...]
    may_mutate: bool = True
    error: str = ""
    error_line: int | None = None
    error_text: str | None = None
    violation: bool = False


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> _Compiled:
    """Parse, check and transform once per distinct source text (conditions run often)."""
    text = source.lstrip(" \t") if mode == "eval" else source  # as eval() does
    lines = tuple(text.splitlines())
    try:
        tree = ast.parse(text, SCRIPT_FILENAME, mode)
        may_mutate = _may_mutate(tree)
        compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compile_restricted(tree, SCRIPT_FILENAME, policy=SandboxTransformer)
    except SyntaxError as exc:
        error = f"syntax error: {exc.msg}"
        return _Compiled(None, lines, error=error, error_line=exc.lineno, error_text=exc.text)
    except (ValueError, RecursionError, MemoryError) as exc:
        what = "is nested too deeply" if isinstance(exc, RecursionError) else "cannot be read"
        return _Compiled(None, lines, error=f"the script {what}", violation=True)
    if result.errors:
        first = min(result.errors, key=_violation_rank)
        line = first.lineno if isinstance(first, CompileViolation) else None
        return _Compiled(None, lines, error=str(first), error_line=line, violation=True)
    return _Compiled(result.code, lines, may_mutate)


def _violation_rank(error: str) -> tuple[int, bool, int]:
    """Report the first problem in reading order, in our words where we have them."""
    return error.rank() if isinstance(error, CompileViolation) else (0, True, 0)


def _may_mutate(tree: ast.AST) -> bool:
    """Could this code change objects it is given (item/attribute stores, mutating methods)?"""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Attribute) and node.attr in _MUTATING_METHODS:
            return True
        if isinstance(node, ast.Name) and node.id == "getattr":
            return True
        if isinstance(node, ast.AugAssign):
            return True
    return False


def _make_builtins(guards: Guards) -> dict[str, Any]:
    """The allow-list of builtins; risky ones are guarded, forbidden ones say so when used."""
    table: dict[str, Any] = {name: getattr(builtins, name) for name in _PLAIN_BUILTINS}
    for name in _FORBIDDEN_BUILTINS:
        table[name] = Forbidden(f"'{name}' is not allowed in scripts")
    table["importlib"] = Forbidden("imports are not allowed in scripts")
    table["__import__"] = internal_import
    table.update(
        int=guarded_type(int, guards.int_),
        str=guarded_type(str, guards.str_),
        repr=guards.repr_,
        range=guards.range_,
        pow=guards.pow_,
        sum=guards.sum_,
        round=guards.round_,
        min=guards.min_,
        max=guards.max_,
        sorted=guards.sorted_,
        map=guards.map_,
        filter=guards.filter_,
        iter=guards.iter_,
        getattr=guards.getattr_,
        hasattr=guards.hasattr_,
    )
    return table


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Runs BPMN scripts and expressions under the sandbox rules.

    ``helpers`` are trusted names (functions, types) visible to every script, on
    top of ``Decimal``, ``date``, ``datetime`` and ``timedelta``. ``cpu_seconds``
    bounds the CPU time of one call; ``max_sequence`` bounds the length of any
    one string, list or range a script builds.
    """

    def __init__(
        self,
        helpers: Mapping[str, Any] | None = None,
        *,
        cpu_seconds: float = 2.0,
        max_sequence: int = 10_000_000,
    ) -> None:
        super().__init__({**DEFAULT_HELPERS, **(helpers or {})})
        self.cpu_seconds = cpu_seconds
        guards = Guards(max_sequence=max_sequence, max_int_bits=MAX_INT_BITS)
        self._namespace = {**guards.namespace(), "__builtins__": _make_builtins(guards)}

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        """The value of ``expression`` over task data and helpers; task data is not changed."""
        compiled = self._compiled(expression, "eval")
        if compiled.may_mutate:  # run on copies so that nothing it changes reaches task data
            context, external_context = copy.deepcopy((context, external_context))
        namespace = self._globals(context, external_context)
        return self._run(compiled, namespace, "expression")

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        """Run ``script``; its top-level variables become the task data, on success only."""
        external = external_context or {}
        self.check_for_overwrite(context, external)
        compiled = self._compiled(script, "exec")
        data = copy.deepcopy(context)
        namespace = self._globals(data, external)
        self._run(compiled, namespace, "script")
        result = self._task_data(namespace, data, external)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are dispatched by the engine, not by scripts")

    def check_for_overwrite(self, context: Mapping[str, Any], external: Mapping[str, Any]) -> None:
        """Fail early when a task data field hides a helper (as TaskDataEnvironment does)."""
        clashes = sorted((set(self.globals) | set(external)) & set(context))
        if clashes:
            raise ScriptError(
                f"task data field(s) {', '.join(clashes)} have the same name as a predefined "
                "function; please rename the field(s)"
            )

    # -- internals --

    def _compiled(self, source: str, mode: Mode) -> _Compiled:
        compiled = _compile(source, mode)
        if compiled.code is None:
            error = SandboxViolation if compiled.violation else ScriptError
            where, line, text = _where(compiled, compiled.error_line, compiled.error_text)
            raise error(compiled.error + where, line_number=line, error_line=text)
        return compiled

    def _globals(
        self, data: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Helpers, then external context, then task data, then the sandbox's hidden names."""
        return {**self.globals, **(external or {}), **data, **self._namespace}

    def _run(self, compiled: _Compiled, namespace: dict[str, Any], kind: str) -> Any:
        """Run under a fresh CPU budget; turn every failure into a ScriptError."""
        code = compiled.code
        assert code is not None, "compile errors are raised before running"
        budget = Budget(self.cpu_seconds, kind)
        namespace[TICK_GUARD] = budget.tick
        with budget:
            try:
                result = eval(code, namespace)  # exec-mode code objects run the same way
                if isinstance(result, Iterator):  # a lazy result would run outside the budget
                    result = list(result)
            except (Violation, Exception) as exc:
                raise self._error(exc, compiled, budget) from exc
            if budget.exceeded:  # the script swallowed the stop somehow: still a violation
                raise self._error(Violation(budget.message), compiled, budget)
        return result

    def _error(self, exc: BaseException, compiled: _Compiled, budget: Budget) -> ScriptError:
        line = _failing_line(exc)
        if budget.exceeded:
            message, line = budget.message, budget.line or line
        elif isinstance(exc, (Violation, SandboxViolation)):
            message = exc.message
        elif isinstance(exc, RecursionError):
            message = "functions call themselves too deeply (recursion limit reached)"
        else:
            where, line, text = _where(compiled, line)
            detail = self._describe(exc)
            return ScriptError(detail + where, line_number=line, error_line=text)
        where, line, text = _where(compiled, line)
        return SandboxViolation(message + where, line_number=line, error_line=text)

    def _describe(self, exc: BaseException) -> str:
        """``ZeroDivisionError: division by zero``, without printing a giant message."""
        name = type(exc).__name__
        if text_size(exc, 10 * _MAX_MESSAGE) > 10 * _MAX_MESSAGE:
            return f"{name} (message too long to show)"
        try:
            text = str(exc)
        except Exception:
            text = ""
        if len(text) > _MAX_MESSAGE:
            text = text[:_MAX_MESSAGE] + "..."
        return f"{name}: {text}" if text else name

    def _task_data(
        self, namespace: dict[str, Any], data: Mapping[str, Any], external: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a finished script leaves as task data: no helpers, callables or internals."""
        result: dict[str, Any] = {}
        for key, value in namespace.items():
            if key.startswith("_") and key != "_":
                continue  # sandbox internals; scripts cannot bind such names
            if key in self.globals or key in external or _is_code_like(value):
                continue
            result[key] = value
        for key, value in data.items():  # fields a script cannot even name stay as they were
            if key.startswith("_") and key != "_":
                result[key] = value
        return result


def _is_code_like(value: object) -> bool:
    """Functions, types, modules and live iterators are not task data."""
    return callable(value) or isinstance(value, (types.ModuleType, Iterator))


def _failing_line(exc: BaseException) -> int | None:
    """The script line of the innermost script frame in the traceback."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _where(
    compiled: _Compiled, line: int | None, text: str | None = None
) -> tuple[str, int | None, str | None]:
    """`` (line 3: x = 1 / 0)`` plus the line number and source line for the error."""
    if line is not None and 1 <= line <= len(compiled.lines):
        text = compiled.lines[line - 1]
    if line is None or text is None:
        return "", line, text
    return f" (line {line}: {text.strip()})", line, text.rstrip("\n")
