"""One error tree for the engine.

Every error the engine raises is an :class:`EngineError`. Each says whether
retrying the same call could succeed (``retryable``) so that callers such as the
Celery tasks know whether to retry. The web layer alone maps them to HTTP status
codes; the engine never chooses one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


class EngineError(Exception):
    """Base of every error the engine raises."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One validation problem, tied to a BPMN element or a form field when known."""

    message: str
    element_id: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"file {self.file}" if self.file else "",
                f"element '{self.element_id}'" if self.element_id else "",
                f"line {self.line}" if self.line else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class DefinitionError(EngineError):
    """A process definition cannot be deployed: it lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid definition")


class NotFound(EngineError):
    """A process, version, instance or task does not exist."""


class Conflict(EngineError):
    """The state changed under the caller: the task was completed or claimed by someone else."""


class RequestIdReused(Conflict):
    """A request id came back naming another request: another kind, or other data.

    A retry repeats its request exactly; a request id sent with a different
    command or payload is a caller's bug, never a retry, so it is refused
    rather than answered with the first request's result. ``used_for`` is the
    kind of request the id was first used for; ``same_kind`` says whether only
    the data differed.
    """

    def __init__(self, key: str, used_for: str, operation: str) -> None:
        self.key = key
        self.used_for = used_for
        self.same_kind = used_for == operation
        what = f"a {used_for} with other data" if self.same_kind else f"a {used_for}"
        super().__init__(
            f"request id {key!r} was already used for {what}, not for this {operation};"
            " send a new request id with each new request"
        )


class NotAllowed(EngineError):
    """The user may not do this (not their task, not in the group, not a manager)."""


@dataclass
class FieldErrors:
    """Errors of a form, keyed by the JSON pointer of the field ('' for the whole form)."""

    errors: Mapping[str, list[str]] = field(default_factory=dict)


class FormInvalid(EngineError):
    """Submitted task data does not match the task's form schema."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{k or '(form)'}: {', '.join(v)}" for k, v in self.errors.items())
        super().__init__(f"form data is invalid: {summary}")


class InstanceNotActive(Conflict):
    """The instance is suspended, cancelled, completed or waiting on an incident."""


class ScriptError(EngineError):
    """A script, condition or expression failed or broke the sandbox rules."""

    def __init__(
        self, message: str, *, line_number: int | None = None, error_line: str | None = None
    ) -> None:
        super().__init__(message)
        self.line_number = line_number
        self.error_line = error_line


class SandboxViolation(ScriptError):
    """A script tried what the sandbox forbids: imports, dunders, I/O, too much CPU or memory."""


class OperatorError(EngineError):
    """A service-task operator failed; ``retryable`` tells whether to try again."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
