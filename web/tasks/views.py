"""The task page: form from the JSON Schema, customer card, instructions, diagram.

Claim, unclaim and reassign are small POSTs back to where the user came from.
Completing shows this user's next task of the same instance when there is one.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import FormInvalid
from engine._forms import validate_form

from ..auth import login_required, signed_in_user
from ..auth.user import WebUser
from ..context import current_engine
from . import access, lookups
from .schema_form import build_fields, localised, parse_submission

bp = Blueprint("tasks", __name__)


@bp.get("/tasks/<uuid:task_id>")
@login_required
def show(task_id: uuid.UUID) -> str:
    task = _visible_task(task_id)
    return _render(task, task.get("data") or {}, {})


@bp.post("/tasks/<uuid:task_id>")
@login_required
def complete(task_id: uuid.UUID) -> Response | tuple[str, int]:
    user = signed_in_user()
    task = _visible_task(task_id)
    if not access.can_complete(user, lookups.Item(task)):
        abort(403, description=_("This task is not yours to complete; claim it first."))
    schema = task.get("form")
    data, errors = parse_submission(schema, request.form)
    errors = _validated(schema, data, errors)
    if not errors:
        try:
            current_engine().complete_task(task_id, data, user.username)
        except FormInvalid as exc:
            errors = exc.errors
    if errors:
        return _render(task, data, errors), 422
    return _after_completion(user, task)


@bp.post("/tasks/<uuid:task_id>/claim")
@login_required
def claim(task_id: uuid.UUID) -> Response:
    current_engine().claim(task_id, signed_in_user().username)
    flash(_("The task is yours now."), "info")
    return redirect(_back(url_for("tasks.show", task_id=task_id)))


@bp.post("/tasks/<uuid:task_id>/unclaim")
@login_required
def unclaim(task_id: uuid.UUID) -> Response:
    current_engine().unclaim(task_id, signed_in_user().username)
    flash(_("The task is back in the group's queue."), "info")
    return redirect(_back(url_for("inbox.index")))


@bp.post("/tasks/<uuid:task_id>/assign")
@login_required
def assign(task_id: uuid.UUID) -> Response:
    to_user = (request.form.get("user") or "").strip()
    if not to_user:
        abort(400, description=_("Choose whom to give the task to."))
    item = current_engine().assign(task_id, to_user, signed_in_user().username)
    flash(_("The task now belongs to %(user)s.", user=item["assignee"]), "info")
    return redirect(_back(url_for("tasks.show", task_id=task_id)))


def _visible_task(task_id: uuid.UUID) -> dict[str, Any]:
    task = current_engine().task(task_id)
    if not access.can_view(signed_in_user(), lookups.Item(task)):
        abort(403, description=_("This task belongs to another group."))
    return task


def _validated(
    schema: Any, data: dict[str, Any], parse_errors: dict[str, list[str]]
) -> dict[str, list[str]]:
    """All field errors at once: what could not be converted, then what the schema rejects."""
    errors: dict[str, list[str]] = {}
    try:
        validate_form(schema, data)
    except FormInvalid as exc:
        errors = dict(exc.errors)
    return {**errors, **parse_errors}


def _render(task: dict[str, Any], data: dict[str, Any], errors: dict[str, list[str]]) -> str:
    user = signed_in_user()
    locale = str(get_locale() or "en")
    schema = task.get("form")
    item = lookups.Item(task)
    return render_template(
        "tasks/show.html",
        task=task,
        item=item,
        form_title=localised(schema or {}, "title", locale) or task["title"],
        fields=build_fields(schema, data, errors, locale),
        form_errors=errors.get("", []),
        has_errors=bool(errors),  # also errors inside rows, which ``fields`` nests
        can_complete=access.can_complete(user, item),
        customer=lookups.customer_summary(task.get("customer_id")),
        diagram=lookups.diagram_of(task),
        members=lookups.group_members(task.get("group")) if access.can_assign(user, item) else [],
    )


def _after_completion(user: WebUser, task: dict[str, Any]) -> Response:
    following = lookups.next_task_for(user, task["instance_id"])
    if following is not None:
        flash(_("Done. Next: %(title)s", title=following.title), "info")
        return redirect(url_for("tasks.show", task_id=following.id))
    flash(_("Task “%(title)s” completed.", title=task["title"]), "info")
    return redirect(url_for("inbox.index"))


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


for _name, _check in access.TEMPLATE_CHECKS.items():
    bp.add_app_template_global(_check, _name)
