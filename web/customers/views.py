"""The customer card (360°): everything known about one customer, read-only.

There are no edit buttons: changing a customer means starting a process.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

import crm

from ..auth import login_required, signed_in_user
from ..context import current_engine
from ..start.catalogue import Startable, startable_processes
from . import queries

bp = Blueprint("customers", __name__)

TIMELINE_PAGE = 50


@bp.get("/customers/<int:customer_id>")
@login_required
def card(customer_id: int) -> str:
    before = request.args.get("before") or None
    with current_engine().session() as session:
        if not queries.may_see(session, signed_in_user(), customer_id):
            abort(403, description=_("None of your tasks concern this customer."))
        try:
            data = crm.customer_card(session, customer_id, limit=TIMELINE_PAGE, before=before)
        except crm.NotFoundError:
            abort(404, description=_("There is no customer %(id)s.", id=customer_id))
        except ValueError:
            abort(400, description=_("The timeline page link is not valid."))
        tasks = queries.open_tasks(session, customer_id)
        instances = queries.running_instances(session, customer_id)
        changes = queries.record_history(session, customer_id)
    return render_template(
        "customers/card.html",
        card=data,
        customer=data,
        tasks=tasks,
        instances=instances,
        changes=changes,
        startable=_startable(),
    )


def _startable() -> list[Startable]:
    return startable_processes(current_engine(), signed_in_user())
