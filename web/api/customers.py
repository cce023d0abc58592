"""``GET /api/customers/<id>``: the customer card, for those whose work touches the customer;
``POST /api/customers/<id>/calls``: click-to-call one of its phones.

The rule is the customer page's own (``web.customers.queries.may_see``), so the
API and the pages cannot disagree: admins and managers see every customer,
other employees those that their own or their groups' tasks (open or done) touch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import crm
from integrations import CallInProgress

from ..context import current_engine
from ..customers import calls, queries
from ._base import blueprint, fail, fails, user
from .idempotency import idempotent, request_id
from .schemas import CardQuerySchema, CustomerCardSchema, PlaceCallSchema, PlacedCallSchema

F = TypeVar("F", bound=Callable[..., Any])

blp = blueprint("customers", "The customer card (360° view)")

MAX_ID = 2**31 - 1  # an integer column: larger ids cannot exist


@blp.route("/<int:customer_id>", methods=["GET"])
@blp.arguments(CardQuerySchema, location="query")
@blp.response(200, CustomerCardSchema)
@fails(blp, 401, 403, 404)
def card(args: dict[str, Any], customer_id: int) -> dict[str, Any]:
    """Contacts, deals, cases, campaigns, timeline, open tasks and running instances."""
    if customer_id > MAX_ID:
        fail(404, f"no customer with id {customer_id}")
    with current_engine().session() as session:
        if not queries.may_see(session, user(), customer_id):
            fail(403, f"customer {customer_id} is not one your work touches")
        try:
            found = crm.customer_card(
                session, customer_id, limit=args["limit"], before=args.get("before")
            )
        except ValueError as error:  # a timeline cursor that is not one
            fail(422, str(error), {"query": {"before": [str(error)]}})
        return {
            **found,
            "open_tasks": queries.open_tasks(session, customer_id),
            "running_instances": [
                {**row, "started_at": row["started_at"].isoformat()}
                for row in queries.running_instances(session, customer_id)
            ],
        }


def visible_customer(view: F) -> F:
    """404 for ids that cannot exist, 403 for a customer beyond the caller's work:
    checked before the body is parsed, so an outsider learns nothing from it."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        customer_id = kwargs["customer_id"]
        if customer_id > MAX_ID:
            fail(404, f"no customer with id {customer_id}")
        with current_engine().session() as session:
            if not queries.may_see(session, user(), customer_id):
                fail(403, f"customer {customer_id} is not one your work touches")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


@blp.route("/<int:customer_id>/calls", methods=["POST"])
@visible_customer
@blp.arguments(PlaceCallSchema)
@idempotent(blp)
@blp.response(202, PlacedCallSchema)
@fails(blp, 400, 401, 403, 404, 409, 422, 502)
def call(args: dict[str, Any], header: dict[str, Any], customer_id: int) -> dict[str, Any]:
    """Ring the caller's line, then connect it to one of the customer's phones.

    The call is journaled; its status hooks then log it on the timeline. 409 when
    no provider is configured, or while the caller's last call to this customer is
    still under way (a double click); 502 when the provider refuses or cannot be
    reached. With ``Idempotency-Key`` a repeat answers with the first call (its
    status as it is now) and places nothing.
    """
    key = request_id(user().username, header.get("key"))
    try:
        done = calls.place_call(
            user(), customer_id, args["phone"], args.get("agent"), args.get("task_id"), key
        )
    except calls.CallInputError as exc:
        fail(422, exc.message, {"json": {exc.field: [exc.message]}})
    except CallInProgress as exc:
        fail(409, exc.message)
    order, placed = done.order, done.placed
    return {
        "id": placed.id,
        "provider": placed.call.provider,
        "call_id": placed.call.call_id,
        "status": placed.call.status,
        "customer_id": order.customer_id,
        "contact_id": order.contact_id,
        "phone": order.phone,
        "agent": order.agent,
        "task_id": order.task_id,
        "message": f"calling {order.phone}: {order.agent} rings first, then the customer",
    }
