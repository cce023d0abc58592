"""The inbox: my tasks, my groups' queue, my teams, overdue, due today, a calendar.

Lists read ``work_item`` only (see :mod:`.queries`); the page polls
``/inbox/poll.json`` every few seconds and reloads its list when the set of
visible tasks changed, so new work appears without a manual reload.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine._clock import now

from ..auth import login_required, signed_in_user
from ..auth.user import WebUser
from ..context import current_engine
from . import queries
from .queries import PRIORITIES, SCOPES, SORTS, BadCursor, Filters, Viewer

bp = Blueprint("inbox", __name__)

SCOPE_TITLES = {
    "mine": _l("My tasks"),
    "queue": _l("My groups' queue"),
    "overdue": _l("Overdue"),
    "today": _l("Due today"),
    "team": _l("My teams"),
    "all": _l("All tasks"),
}
PRIORITY_TITLES = {"high": _l("high"), "normal": _l("normal"), "low": _l("low")}


def viewer_of(user: WebUser) -> Viewer:
    return Viewer(user.username, user.groups, user.managed_groups, user.is_admin)


@bp.get("/inbox")
@login_required
def index() -> str:
    user = signed_in_user()
    filters = _filters()
    with current_engine().session() as session:
        try:
            page = queries.list_page(session, viewer_of(user), filters, now())
        except BadCursor as exc:
            abort(400, description=str(exc))
        token = queries.change_token(page)
    template = "inbox/_list.html" if request.args.get("partial") else "inbox/index.html"
    return render_template(
        template,
        page=page,
        filters=filters,
        token=token,
        processes=current_engine().processes(),
        scopes=_scopes(user),
        sorts=SORTS,
        priorities=PRIORITIES,
        scope_titles=SCOPE_TITLES,
        priority_titles=PRIORITY_TITLES,
        now=now(),
    )


@bp.get("/inbox/poll.json")
@login_required
def poll() -> Response:
    """Badge counts and the list's change token (same query arguments as the page)."""
    viewer = viewer_of(signed_in_user())
    filters = _filters()
    with current_engine().session() as session:
        try:
            page = queries.list_page(session, viewer, filters, now())
        except BadCursor as exc:
            abort(400, description=str(exc))
        body = {
            "counts": queries.counts(session, viewer, now()),
            "token": queries.change_token(page),
        }
    return jsonify(body)


@bp.get("/inbox/calendar")
@login_required
def calendar() -> str:
    month = _month(request.args.get("month"))
    with current_engine().session() as session:
        days = queries.month_calendar(session, viewer_of(signed_in_user()), month)
    return render_template("inbox/calendar.html", month=month, days=days, weeks=_weeks(month))


@bp.app_template_filter("badge")
def badge(count: int) -> str:
    return f"{queries.COUNT_CAP - 1}+" if count >= queries.COUNT_CAP else str(count)


@bp.app_context_processor
def nav_counts() -> dict[str, Any]:
    """The badges in the navigation of every page."""
    if not current_user.is_authenticated:
        return {"nav_counts": {}}
    with current_engine().session() as session:
        counts = queries.counts(session, viewer_of(current_user), now())
    return {"nav_counts": counts}


def _filters() -> Filters:
    args = request.args
    scope = args.get("scope", "mine")
    sort = args.get("sort", "due")
    if scope not in SCOPES or sort not in SORTS:
        abort(400, description=f"scope must be one of {SCOPES}, sort one of {SORTS}")
    priority = args.get("priority") or None
    if priority is not None and priority not in PRIORITIES:
        abort(400, description=f"priority must be one of {tuple(PRIORITIES)}")
    return Filters(
        scope=scope,
        sort=sort,
        process=args.get("process") or None,
        customer_id=args.get("customer") or None,
        priority=priority,
        cursor=args.get("cursor") or None,
    )


def _scopes(user: WebUser) -> list[str]:
    shown = ["mine", "queue", "overdue", "today"]
    if user.is_manager:
        shown.append("team")
    if user.is_admin:
        shown.append("all")
    return shown


def _month(raw: str | None) -> date:
    if not raw:
        return now().date().replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        abort(400, description="month must look like 2026-05")


def _weeks(month: date) -> list[list[date | None]]:
    """The month as weeks Monday..Sunday, with None outside the month."""
    import calendar as cal

    return [
        [day if day.month == month.month else None for day in week]
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
