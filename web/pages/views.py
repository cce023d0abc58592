"""The home page: what is deployed, and where to go next."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..context import current_engine

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    return render_template("pages/index.html", processes=current_engine().processes())
