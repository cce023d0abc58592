"""``POST /api/messages/<name>``: deliver a BPMN message, or start the process it starts.

Messages advance any instance that waits for them, so sending one is an
operator's (admin's) act, as it is for integrations that use a service account.
"""

from __future__ import annotations

from typing import Any

from ..context import current_engine
from ._base import blueprint, fail, fails, requires, user
from .idempotency import idempotent, once
from .schemas import MessageResultSchema, MessageSchema

blp = blueprint("messages", "BPMN messages from outside")


@blp.route("/<string:name>", methods=["POST"])
@requires("admin", "only admins may send messages to processes")
@blp.arguments(MessageSchema)
@idempotent(blp)
@blp.response(200, MessageResultSchema)
@fails(blp, 400, 401, 403, 404, 409)
def send(args: dict[str, Any], header: dict[str, Any], name: str) -> dict[str, Any]:
    """Which instance received the message (``delivered``) or was started by it (``started``)."""
    result = once(
        header,
        lambda request_id: current_engine().send_message(
            name, args["correlation"], args["payload"], user=user().username, request_id=request_id
        ),
    )
    if result["outcome"] == "unmatched":
        fail(
            404,
            f"no instance waits for message '{name}' with this correlation,"
            " and no process starts with it",
        )
    return result
