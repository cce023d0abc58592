"""The home page: signed-in users go to their inbox, others to the login page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from ..auth import login_required

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for("inbox.index"))
