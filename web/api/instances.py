"""Process instances: read one (participants and admins), operate it (admins).

Suspend, resume, cancel and retry are operators' work, so they need the
``admin`` role; the engine answers 409 when the instance is not in a state
that allows the action.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..auth.user import WebUser
from ..context import current_engine
from ._base import blueprint, fail, fails, requires, user
from .schemas import InstanceSchema, RetrySchema, StepSchema
from .tasks import may_see

blp = blueprint("instances", "Running and finished process instances")


def took_part(me: WebUser, detail: dict[str, Any]) -> bool:
    """Admins, who started it, and whoever may see one of its tasks or completed one."""
    return (
        me.is_admin
        or detail["started_by"] == me.username
        or any(may_see(me, t) or t["completed_by"] == me.username for t in detail["tasks"])
    )


@blp.route("/<uuid:instance_id>", methods=["GET"])
@blp.response(200, InstanceSchema)
@fails(blp, 401, 403, 404)
def get_instance(instance_id: uuid.UUID) -> dict[str, Any]:
    """Status, version, data, active tasks, history and incidents of an instance."""
    detail = current_engine().instance(instance_id)
    if not took_part(user(), detail):
        fail(403, f"instance {instance_id} has no task of yours or your groups'")
    return detail


ADMINS_ONLY = "only admins may operate instances"


@blp.route("/<uuid:instance_id>/suspend", methods=["POST"])
@requires("admin", ADMINS_ONLY)
@blp.response(200, StepSchema)
@fails(blp, 401, 403, 404, 409)
def suspend(instance_id: uuid.UUID) -> dict[str, Any]:
    """Stop timers and tasks from advancing until resumed."""
    return current_engine().suspend(instance_id, user=user().username)


@blp.route("/<uuid:instance_id>/resume", methods=["POST"])
@requires("admin", ADMINS_ONLY)
@blp.response(200, StepSchema)
@fails(blp, 401, 403, 404, 409)
def resume(instance_id: uuid.UUID) -> dict[str, Any]:
    return current_engine().resume(instance_id, user=user().username)


@blp.route("/<uuid:instance_id>/cancel", methods=["POST"])
@requires("admin", ADMINS_ONLY)
@blp.response(200, StepSchema)
@fails(blp, 401, 403, 404, 409)
def cancel(instance_id: uuid.UUID) -> dict[str, Any]:
    return current_engine().cancel(instance_id, user=user().username)


@blp.route("/<uuid:instance_id>/retry", methods=["POST"])
@requires("admin", ADMINS_ONLY)
@blp.arguments(RetrySchema)
@blp.response(200, StepSchema)
@fails(blp, 401, 403, 404, 409)
def retry(args: dict[str, Any], instance_id: uuid.UUID) -> dict[str, Any]:
    """Run the failed task again after an incident, optionally with corrected ``data``."""
    return current_engine().retry(instance_id, user=user().username, data=args["data"] or None)
