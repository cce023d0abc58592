"""Signed webhooks of telephony and email providers (API.md "Hooks").

Every hook verifies its signature, journals the event and answers: 202 once
journaled, 200 for a repeat, 401 for a bad signature, 400 for a body it cannot
read. Processing happens afterwards (:mod:`integrations`).
"""

from __future__ import annotations

from flask import Flask

from ..auth import csrf
from .service import init_service
from .views import bp


def init_hooks(app: Flask) -> None:
    """Register the hooks blueprint (CSRF-exempt: the signature is the proof)."""
    init_service(app)
    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/hooks")


__all__ = ["bp", "init_hooks"]
