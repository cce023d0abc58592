"""Service-task operators: the named functions BPMN service tasks call.

The engine knows nothing of the CRM. ``handlers/`` registers operators into an
:class:`OperatorRegistry` at start-up and the engine calls them by name inside a
step, passing a :class:`StepContext` that carries the step's database session.
Validation happens at registration (a bad name or signature fails at start-up)
and at deploy (a service task naming an unknown operator is refused).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

STEP_KEY = "clientflow.step"
"""Key in ``Session.info`` under which a step publishes its :class:`StepContext`."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass
class StepContext:
    """What an operator may know about the step it runs in.

    ``session`` is the step's session: whatever the operator writes with it
    commits or rolls back with the step. ``after_commit`` collects callables
    run once the step has committed (e.g. to hand an outbox row to a worker).
    """

    session: Session
    instance_id: str
    task_id: str
    task_name: str
    process_key: str
    user: str | None
    business_key: str | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Operator = Callable[..., Any]


@dataclass(frozen=True)
class OperatorSpec:
    """A registered operator: its name, function, and whether it runs asynchronously."""

    name: str
    func: Operator
    description: str
    asynchronous: bool = False


class OperatorRegistry:
    """The operators a process may call, by name (``crm.create_lead``)."""

    def __init__(self) -> None:
        self._specs: dict[str, OperatorSpec] = {}

    def register(self, name: str, *, asynchronous: bool = False) -> Callable[[Operator], Operator]:
        """Decorator: register ``func(ctx: StepContext, **params) -> JSON-able result``."""

        def decorate(func: Operator) -> Operator:
            self.add(name, func, asynchronous=asynchronous)
            return func

        return decorate

    def add(self, name: str, func: Operator, *, asynchronous: bool = False) -> None:
        """Register ``func`` under ``name``; refuse bad names, twins and bad signatures."""
        if not _NAME.match(name):
            raise ValueError(
                f"operator name {name!r} must be dotted lower-case words, like 'crm.create_lead'"
            )
        if name in self._specs:
            raise ValueError(f"operator {name!r} is already registered")
        params = list(inspect.signature(func).parameters.values())
        if not params or params[0].kind not in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            raise ValueError(f"operator {name!r} must take the step context as first argument")
        doc = inspect.getdoc(func) or ""
        self._specs[name] = OperatorSpec(name, func, doc.split("\n", 1)[0], asynchronous)

    def get(self, name: str) -> OperatorSpec | None:
        return self._specs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[OperatorSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def names(self) -> Mapping[str, OperatorSpec]:
        return dict(self._specs)
