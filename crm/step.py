"""The contract with the engine: how a session says it is inside a process step.

During a step the engine puts an object with ``instance_id``, ``task_id`` and
``user`` into ``session.info[STEP_KEY]`` and removes it when the step ends. The
CRM only reads it, live, at each flush; it never imports the engine. Two
consequences for the engine: it must flush the session *before* it removes the
step info (pending CRM changes flushed later, e.g. by the commit, are outside the
step and refused), and ``task_id`` is recorded as it reads at flush time, so it
should name the task whose handler made the change.

A step info may also carry ``only_writes``, a set of ``(table, action)`` pairs:
then it permits just those writes. :mod:`crm.outbox` uses such a narrow scope
to record delivery results outside any step.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

STEP_KEY = "clientflow.step"


class StepInfo(Protocol):
    """What the CRM needs to know about the step that writes: who, and on whose behalf."""

    @property
    def instance_id(self) -> str: ...

    @property
    def task_id(self) -> str: ...

    @property
    def user(self) -> str | None: ...


def current_step(session: Session) -> StepInfo | None:
    """The step the session is running, or ``None`` outside a step."""
    step: StepInfo | None = session.info.get(STEP_KEY)
    return step
