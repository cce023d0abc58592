"""``GET /api/customers/<id>``: the customer card, for those whose work touches the customer.

The rule is the customer page's own (``web.customers.queries.may_see``), so the
API and the pages cannot disagree: admins and managers see every customer,
other employees those that their own or their groups' tasks (open or done) touch.
"""

from __future__ import annotations

from typing import Any

import crm

from ..context import current_engine
from ..customers import queries
from ._base import blueprint, fail, fails, user
from .schemas import CardQuerySchema, CustomerCardSchema

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
