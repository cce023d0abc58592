"""The inbox over the API: list, read, claim, unclaim, assign and complete tasks.

The engine decides who may claim, complete or reassign (403 otherwise); this
module adds the read rule: a task is visible to its assignee, its group's
members, the group's managers and admins.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..auth.user import WebUser
from ..context import current_engine
from . import cursor
from ._base import blueprint, fail, fails, user
from .idempotency import idempotent, once
from .schemas import (
    AssignSchema,
    CompletedSchema,
    FormDataSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    WorkItemSchema,
)

blp = blueprint("tasks", "The inbox: user tasks of running processes")


def may_see(me: WebUser, item: dict[str, Any]) -> bool:
    """The assignee, the members and managers of the task's group, and admins."""
    return (
        me.is_admin
        or item["assignee"] == me.username
        or item["group"] in me.groups
        or me.manages(item["group"])
    )


def visible_task(task_id: uuid.UUID) -> dict[str, Any]:
    detail = current_engine().task(task_id)
    if not may_see(user(), detail):
        fail(403, f"task {task_id} is not yours nor your groups'")
    return detail


@blp.route("", methods=["GET"])
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
@fails(blp, 401, 403)
def list_tasks(args: dict[str, Any]) -> dict[str, Any]:
    """My tasks (``mine``), my groups' queue (``group``) or every task (``all``, admins)."""
    me = user()
    if args["scope"] == "all" and not me.is_admin:
        fail(403, "only admins may list all tasks; use scope=mine or scope=group")
    limit = args["limit"]
    items = current_engine().tasks(
        me.username,
        scope=args["scope"],
        status=args["status"],
        customer_id=args.get("customer_id"),
        process=args.get("process"),
        overdue=args["overdue"],
        limit=limit + 1,
        after=cursor.decode(args["cursor"]) if "cursor" in args else None,
    )
    page = items[:limit]
    more = len(items) > limit
    return {"items": page, "next_cursor": cursor.encode(page[-1]) if more else None}


@blp.route("/<uuid:task_id>", methods=["GET"])
@blp.response(200, TaskDetailSchema)
@fails(blp, 401, 403, 404)
def get_task(task_id: uuid.UUID) -> dict[str, Any]:
    """The work item with its form (JSON Schema), instructions and current data."""
    return visible_task(task_id)


@blp.route("/<uuid:task_id>/claim", methods=["POST"])
@blp.response(200, WorkItemSchema)
@fails(blp, 401, 403, 404, 409)
def claim(task_id: uuid.UUID) -> dict[str, Any]:
    """Take a task of my group's queue."""
    return current_engine().claim(task_id, user().username)


@blp.route("/<uuid:task_id>/unclaim", methods=["POST"])
@blp.response(200, WorkItemSchema)
@fails(blp, 401, 403, 404, 409)
def unclaim(task_id: uuid.UUID) -> dict[str, Any]:
    """Give my task back to the group's queue (managers may release anyone's)."""
    return current_engine().unclaim(task_id, user().username)


@blp.route("/<uuid:task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, WorkItemSchema)
@fails(blp, 401, 403, 404, 409)
def assign(args: dict[str, Any], task_id: uuid.UUID) -> dict[str, Any]:
    """Give the task to someone (managers of the task's group, admins)."""
    return current_engine().assign(task_id, args["user"], user().username)


@blp.route("/<uuid:task_id>/complete", methods=["POST"])
@blp.arguments(FormDataSchema)
@idempotent(blp)
@blp.response(200, CompletedSchema)
@fails(blp, 400, 401, 403, 404, 409)
def complete(args: dict[str, Any], header: dict[str, Any], task_id: uuid.UUID) -> dict[str, Any]:
    """Complete the task with its form data (422 with field errors if the form rejects it)."""
    instance = once(
        header,
        lambda request_id: current_engine().complete_task(
            task_id, args["data"], user=user().username, request_id=request_id
        ),
    )
    return {"instance": instance}
