"""The start page: processes this user may start, each with its start form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import FormInvalid
from engine._forms import validate_form

from ..auth import login_required, signed_in_user
from ..context import current_engine
from ..customers.queries import may_see
from ..tasks.lookups import next_task_for
from ..tasks.schema_form import build_fields, localised, parse_submission
from .catalogue import Startable, find, startable_processes

bp = Blueprint("start", __name__)


@bp.get("/start")
@login_required
def index() -> str:
    processes = startable_processes(current_engine(), signed_in_user())
    return render_template(
        "start/index.html", processes=processes, customer_id=_customer_id(), title_of=_title
    )


@bp.route("/start/<key>", methods=["GET", "POST"])
@login_required
def form(key: str) -> Response | str | tuple[str, int]:
    startable = find(current_engine(), signed_in_user(), key)
    if startable is None:
        abort(404, description=_("You may not start the process '%(key)s'.", key=key))
    if request.method == "GET":
        return _render(startable, {}, {})
    data, errors = parse_submission(startable.form, request.form)
    if startable.form:
        try:
            data = validate_form(startable.form, data)
        except FormInvalid as exc:
            errors = {**exc.errors, **errors}
    if errors:
        return _render(startable, data, errors), 422
    customer_id = _customer_id()
    if customer_id:
        data["customer_id"] = customer_id
    return _started(startable, data)


def _started(startable: Startable, data: dict[str, Any]) -> Response:
    user = signed_in_user()
    instance = current_engine().start(startable.key, data, user.username)
    following = next_task_for(user, instance["id"])
    flash(_("%(name)s started.", name=_title(startable)), "info")
    if following is not None:
        return redirect(url_for("tasks.show", task_id=following.id))
    return redirect(url_for("inbox.index"))


def _render(startable: Startable, data: dict[str, Any], errors: dict[str, list[str]]) -> str:
    locale = str(get_locale() or "en")
    return render_template(
        "start/form.html",
        startable=startable,
        title=_title(startable),
        fields=build_fields(startable.form, data, errors, locale),
        form_errors=errors.get("", []),
        has_errors=bool(errors),  # also errors inside rows, which ``fields`` nests
        customer_id=_customer_id(),
    )


def _title(startable: Startable) -> str:
    return localised(startable.form or {}, "title", str(get_locale() or "en")) or startable.name


def _customer_id() -> str | None:
    """The customer the process is started for (from the card), if the user may see it."""
    raw = request.values.get("customer_id", "")
    if not raw.isdigit():
        return None
    with current_engine().session() as session:
        if not may_see(session, signed_in_user(), int(raw)):
            abort(403, description=_("None of your tasks concern this customer."))
    return raw
