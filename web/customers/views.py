"""The customer card (360°): everything known about one customer, read-only.

There are no edit buttons: changing a customer means starting a process. The one
action is a call (click-to-call) to a contact's phone, from here or a task page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import crm
from integrations import CallInProgress, NotConfigured
from integrations.providers import ProviderError

from ..auth import login_required, signed_in_user
from ..context import current_engine
from ..start.catalogue import Startable, startable_processes
from . import calls, queries

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


@bp.post("/customers/<int:customer_id>/call")
@login_required
def call(customer_id: int) -> Response:
    """Place a call to one of the customer's phones; the answer is a message on the page."""
    user = signed_in_user()
    with current_engine().session() as db:
        if not queries.may_see(db, user, customer_id):
            abort(403, description=_("None of your tasks concern this customer."))
    form = request.form
    try:
        placed = calls.place_call(
            user, customer_id, form.get("phone"), form.get("agent"), form.get("task_id")
        )
    except calls.CallInputError as exc:
        flash(input_message(exc), "error")
    except CallInProgress as exc:
        message = _("You are already calling %(phone)s: wait for that call to end before"
                    " calling again.", phone=exc.call["phone"])  # fmt: skip
        flash(message, "error")
    except NotConfigured as exc:
        flash(_("Calls cannot be placed yet: %(reason)s", reason=str(exc)), "error")
    except ProviderError as exc:
        flash(_("The call could not be placed: %(reason)s", reason=str(exc)), "error")
    else:
        if form.get("agent"):
            browser_session[calls.LINE_KEY] = placed.order.agent  # offered next time
        message = _("Calling %(phone)s: your line %(line)s rings first, then the customer.",
                    phone=placed.order.phone, line=placed.order.agent)  # fmt: skip
        flash(message, "info")
    return redirect(_back(url_for("customers.card", customer_id=customer_id)), 303)


def input_message(exc: calls.CallInputError) -> str:
    """The page's words for what was wrong with the call request."""
    messages = {
        "missing_phone": _("Choose a phone number to call."),
        "bad_phone": _("That is not a phone number."),
        "not_their_phone": _("That number is not a phone of this customer's contacts."),
        "missing_line": _("Enter your phone or extension: no line is set up for you."),
        "bad_line": _("Your line must be a phone number, an extension or a SIP address."),
        "bad_task": _("That task is not about this customer."),
    }
    return messages.get(exc.code, exc.message)


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def _startable() -> list[Startable]:
    return startable_processes(current_engine(), signed_in_user())


bp.add_app_template_global(calls.calling, "calling")
