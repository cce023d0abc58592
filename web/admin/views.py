"""Admin pages: users, groups and business calendars (admins only).

Each page lists what exists and holds one form that creates or updates an
entry through the engine's identity functions; ``?edit=name`` fills the form
with an existing entry. A rejected form answers 400 with the errors beside
the fields. Memberships are removed from their own page, which asks to confirm
(a CSRF-protected POST) and never takes the last admin out of ``admins``.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from engine import (
    LastAdmin,
    NotAMember,
    add_group,
    add_user,
    check_membership_removal,
    remove_membership,
    set_calendar,
)
from engine._tasks import ADMIN_GROUP

from ..auth import roles_required, signed_in_user
from ..context import current_engine
from . import directory
from .forms import CALENDAR_EXAMPLE, CalendarForm, GroupForm, RemoveMemberForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = Response | str | tuple[str, int]


@bp.get("/")
@roles_required("admin")
def index() -> Response:
    return redirect(url_for("admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users() -> Page:
    engine = current_engine()
    everyone = directory.users(engine)
    form = UserForm()
    form.groups.choices = [SelectChoice(g["name"]) for g in directory.groups(engine)]
    form.manager.choices = [SelectChoice("", "-")] + [SelectChoice(u["username"]) for u in everyone]
    if request.method == "GET":
        _fill_user(form, everyone, request.args.get("edit"))
        return render_template("admin/users.html", form=form, users=everyone)
    if not form.validate_on_submit():
        return render_template("admin/users.html", form=form, users=everyone), 400
    groups = list(form.groups.data or [])
    if form.new_group.data:
        groups.append(form.new_group.data)
    add_user(
        engine,
        form.username.data,
        groups=groups,
        password=form.password.data or None,
        full_name=form.full_name.data or "",
        email=form.email.data or None,
        language=form.language.data,
        manager=form.manager.data or None,
    )
    flash(_("User %(name)s saved.", name=form.username.data), "info")
    return redirect(url_for("admin.users"))


def _fill_user(form: UserForm, everyone: list[dict[str, object]], name: str | None) -> None:
    found = next((u for u in everyone if u["username"] == name), None)
    if found is None:
        return
    form.username.data = found["username"]
    form.full_name.data = found["full_name"]
    form.email.data = found["email"]
    form.language.data = found["language"]
    form.manager.data = found["manager"] or ""
    form.groups.data = found["groups"]


@bp.route("/groups", methods=["GET", "POST"])
@roles_required("admin")
def groups() -> Page:
    engine = current_engine()
    all_groups = directory.groups(engine)
    form = GroupForm()
    form.calendar.choices = [SelectChoice("", _("24x7 (no calendar)"))] + [
        SelectChoice(c["name"]) for c in directory.calendars(engine)
    ]
    form.manager.choices = [SelectChoice("", "-")] + [
        SelectChoice(u) for u in directory.user_names(engine)
    ]
    if request.method == "GET":
        found = next((g for g in all_groups if g["name"] == request.args.get("edit")), None)
        if found is not None:
            form.name.data, form.title.data = found["name"], found["title"]
            form.calendar.data, form.manager.data = found["calendar"] or "", found["manager"] or ""
        return render_template("admin/groups.html", form=form, groups=all_groups)
    if not form.validate_on_submit():
        return render_template("admin/groups.html", form=form, groups=all_groups), 400
    add_group(
        engine,
        form.name.data,
        title=form.title.data or "",
        calendar=form.calendar.data or None,
        manager=form.manager.data or None,
    )
    flash(_("Group %(name)s saved.", name=form.name.data), "info")
    return redirect(url_for("admin.groups"))


@bp.route("/groups/<group>/members/<username>/remove", methods=["GET", "POST"])
@roles_required("admin")
def remove_member(group: str, username: str) -> Page:
    """GET asks to confirm (or says why it cannot be done); POST removes, with a flash."""
    engine = current_engine()
    form = RemoveMemberForm(back=request.args.get("back", "groups"))
    back = url_for("admin.users" if form.back.data == "users" else "admin.groups")
    if form.validate_on_submit():
        return _remove(group, username, back)
    try:
        check_membership_removal(engine, group, username)
        refusal = None
    except NotAMember:
        abort(404, description=_not_a_member(group, username))
    except LastAdmin:
        refusal = _last_admin(username)
    page = render_template(
        "admin/remove_member.html",
        form=form,
        group=group,
        username=username,
        back=back,
        refusal=refusal,
    )
    return page, 400 if request.method == "POST" else 200  # a POST here failed its CSRF check


def _remove(group: str, username: str, back: str) -> Response:
    try:
        remove_membership(current_engine(), group, username)
    except NotAMember:
        abort(404, description=_not_a_member(group, username))
    except LastAdmin:
        flash(_last_admin(username), "error")
        return redirect(back)
    flash(_("%(user)s removed from %(group)s.", user=username, group=group), "info")
    if group == ADMIN_GROUP and username == signed_in_user().username:
        return redirect(url_for("pages.index"))  # no longer an admin: the admin pages say 403
    return redirect(back)


def _not_a_member(group: str, username: str) -> str:
    return _("%(user)s is not a member of %(group)s.", user=username, group=group)


def _last_admin(username: str) -> str:
    return _(
        "%(user)s is the last active admin: make someone else an admin first, "
        "so that somebody can still manage users.",
        user=username,
    )


@bp.route("/calendars", methods=["GET", "POST"])
@roles_required("admin")
def calendars() -> Page:
    engine = current_engine()
    all_calendars = directory.calendars(engine)
    form = CalendarForm()
    if request.method == "GET":
        found = next((c for c in all_calendars if c["name"] == request.args.get("edit")), None)
        form.name.data = found["name"] if found else ""
        form.definition.data = json.dumps(
            found["definition"] if found else CALENDAR_EXAMPLE, indent=2, ensure_ascii=False
        )
        return render_template("admin/calendars.html", form=form, calendars=all_calendars)
    if form.validate_on_submit():
        try:
            set_calendar(engine, form.name.data, form.definition.parsed)
        except ValueError as exc:
            form.definition.errors = [str(exc)]
        else:
            flash(_("Calendar %(name)s saved.", name=form.name.data), "info")
            return redirect(url_for("admin.calendars"))
    return render_template("admin/calendars.html", form=form, calendars=all_calendars), 400
