"""Who gets a new user task, by when, and at what priority.

The lane names the group. The task property ``assignee`` (an expression over
task data) names a user; ``assignment`` = ``round_robin`` or ``least_loaded``
picks one of the group's members instead. An assignee who is out of office
hands the task to their substitute. ``dueIn`` is counted on the group's
business calendar; ``priority`` is a number or an expression (default 50).

Expressions run over the task's data, so bad data can make them fail (a
missing variable, a priority that is not a number): :func:`assign` raises a
:class:`ScriptError` naming the property and its expression, which the step
turns into an incident on the task (see ``_persist``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._calendar import business_deadline
from ._definitions import TaskMeta
from ._directory import Directory
from ._errors import ScriptError
from .models import Group, WorkItem, WorkItemStatus

DEFAULT_PRIORITY = 50


@dataclass(frozen=True)
class Assignment:
    group: str | None
    assignee: str | None
    due_at: datetime | None
    priority: int


def assign(
    session: Session,
    directory: Directory,
    meta: TaskMeta,
    evaluate: Any,
    now: datetime,
) -> Assignment:
    """Decide group, assignee, due date and priority for a task becoming ready.

    The expressions run before anything is written (round robin's turn), so a
    failing one leaves no trace to undo.
    """
    group = meta.lane
    priority = _priority(meta, evaluate)
    due = None
    if meta.due_in:
        info = directory.group(session, group) if group else None
        try:
            due = business_deadline(now, meta.due_in, info.calendar if info else None)
        except ValueError as exc:
            raise ScriptError(f"dueIn {meta.due_in!r} failed: {exc}") from exc
    assignee = _assignee(session, directory, meta, group, evaluate)
    if assignee:
        assignee = resolve_substitute(session, directory, assignee)
    return Assignment(group, assignee, due, priority)


def _assignee(
    session: Session, directory: Directory, meta: TaskMeta, group: str | None, evaluate: Any
) -> str | None:
    if meta.assignee:
        value = _evaluate("assignee", meta.assignee, evaluate)
        return str(value) if value else None
    strategy = meta.properties.get("assignment")
    if strategy and group:
        info = directory.group(session, group)
        if info and info.members:
            if strategy == "least_loaded":
                return least_loaded(session, info.members)
            return round_robin(session, group, info.members)
    return None


def _priority(meta: TaskMeta, evaluate: Any) -> int:
    if not meta.priority:
        return DEFAULT_PRIORITY
    raw = meta.priority
    if raw.strip().lstrip("-").isdigit():
        return max(0, min(100, int(raw)))
    value = _evaluate("priority", raw, evaluate)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ScriptError(
            f"priority expression {raw!r} gave {value!r:.100}, not a number from 0 to 100"
        ) from None
    return max(0, min(100, number))


def _evaluate(prop: str, expression: str, evaluate: Any) -> Any:
    """``evaluate(expression)``; a failure names the property and its expression."""
    try:
        return evaluate(expression)
    except ScriptError as exc:  # a SandboxViolation stays one
        raise type(exc)(
            f"{prop} expression {expression!r} failed: {exc.message}",
            line_number=exc.line_number,
            error_line=exc.error_line,
        ) from exc
    except Exception as exc:  # the sandbox wraps errors; this is a last line of defence
        raise ScriptError(
            f"{prop} expression {expression!r} failed: {type(exc).__name__}: {exc}"
        ) from exc


def round_robin(session: Session, group: str, members: tuple[str, ...]) -> str:
    """The member after the one who got the last task; the group row is locked for it."""
    row = session.execute(
        sa.select(Group.last_assigned).where(Group.name == group).with_for_update()
    ).first()
    last = row[0] if row else None
    index = (members.index(last) + 1) % len(members) if last in members else 0
    chosen = members[index]
    session.execute(sa.update(Group).where(Group.name == group).values(last_assigned=chosen))
    return chosen


def least_loaded(session: Session, members: tuple[str, ...]) -> str:
    """The member with the fewest open tasks; ties go to the first by name."""
    counts = dict(
        session.execute(
            sa.select(WorkItem.assignee, sa.func.count())
            .where(WorkItem.status == WorkItemStatus.OPEN, WorkItem.assignee.in_(members))
            .group_by(WorkItem.assignee)
        ).all()
    )
    return min(members, key=lambda m: (counts.get(m, 0), m))


def resolve_substitute(session: Session, directory: Directory, username: str) -> str:
    """Follow out-of-office substitutes (at most a few hops, never in a cycle)."""
    seen = {username}
    current = username
    for _ in range(5):
        info = directory.user(session, current)
        if info is None or not info.out_of_office or not info.substitute:
            return current
        if info.substitute in seen:
            return current
        seen.add(info.substitute)
        current = info.substitute
    return current
