"""Login, logout and the profile page (language, out-of-office substitute)."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from engine import add_user, set_out_of_office
from engine.models import User

from ..context import current_engine
from .access import login_required, signed_in_user
from .forms import LoginForm, ProfileForm
from .setup import TooManyAttempts, authenticate

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        user = authenticate(form.username.data.strip(), form.password.data)
    except TooManyAttempts:
        form.password.errors = [_("Too many failed attempts. Try again in 15 minutes.")]
        return render_template("auth/login.html", form=form), 429
    if user is None:
        form.password.errors = [_("Wrong username or password.")]
        return render_template("auth/login.html", form=form), 401
    login_user(user, remember=bool(form.remember.data))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Response | str | tuple[str, int]:
    user = signed_in_user()
    form = ProfileForm()
    form.substitute.choices = [SelectChoice("", _("nobody"))] + [
        SelectChoice(name, full) for name, full in _colleagues(user.username)
    ]
    if request.method == "GET":
        form.language.data = user.language
        form.out_of_office.data = user.out_of_office
        form.substitute.data = user.substitute or ""
        return render_template("auth/profile.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/profile.html", form=form), 400
    engine = current_engine()
    add_user(engine, user.username, language=form.language.data)
    set_out_of_office(
        engine, user.username, bool(form.out_of_office.data), form.substitute.data or None
    )
    flash(_("Your profile is saved."), "info")
    return redirect(url_for("auth.profile"))


def _colleagues(me: str) -> list[tuple[str, str]]:
    with current_engine().session() as session:
        rows = session.execute(
            sa.select(User.username, User.full_name)
            .where(User.active.is_(True), User.username != me)
            .order_by(User.full_name)
        ).all()
    return [(name, full or name) for name, full in rows]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target if not target.startswith("//") else url_for("pages.index")
    return url_for("pages.index")
