"""The channels page: inbound events and outbound messages that failed for good, and the fix.

An event is replayed through the app's :class:`integrations.Integrations` (the one
``web.hooks`` built, so it runs where the hooks' events run: in a worker, or
here in embedded mode); a message is queued again through
:func:`integrations.outbox.retry_failed` and handed on as a step's new message
is. Each action flashes what came of it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from crm.outbox import NotFailedError
from integrations import Integrations, journal
from integrations import outbox as delivery
from integrations.models import EventStatus

from ..auth import current_user, roles_required
from ..context import current_engine
from ..hooks.service import DELIVERY_KEY, SERVICE_KEY
from . import failures
from .views import bp

TABLES_KEY = "clientflow.channel_tables"


@bp.get("/channels")
@roles_required("admin")
def channels() -> str:
    limit = _limit()
    engine = current_engine()
    empty = failures.Listing([], 0)
    ready = _have_tables()
    return render_template(
        "operations/channels.html",
        events=failures.failed_events(engine, limit) if ready else empty,
        messages=failures.failed_messages(engine, limit) if ready else empty,
        limit=limit,
    )


@bp.post("/channels/events/<int:event_id>/replay")
@roles_required("admin")
def replay_event(event_id: int) -> Response:
    """Process a failed event again, after its cause was fixed; done actions stay done."""
    engine = current_engine()
    event = journal.get(engine.db, event_id)  # EventNotFound: 404
    if event.status != EventStatus.FAILED:
        text = _(
            "Event %(id)s is %(status)s, not failed: there is nothing to replay.",
            id=event_id,
            status=event.status,
        )
        flash(text, "error")
        return _back()
    service: Integrations = current_app.extensions[SERVICE_KEY]
    handed_on = service.replay(event_id)
    after = journal.get(engine.db, event_id)
    flash(*_replayed(event_id, after.status, after.error, handed_on))
    return _back()


@bp.post("/channels/messages/<int:message_id>/retry")
@roles_required("admin")
def retry_message(message_id: int) -> Response:
    """Queue a failed message again and hand it on, as a step's new message is."""
    try:
        result = delivery.retry_failed(
            current_engine().db, message_id, current_app.extensions.get(DELIVERY_KEY)
        )
    except NotFailedError as exc:  # sent or queued meanwhile (a second click)
        text = _(
            "Message %(id)s is %(status)s, not failed: there is nothing to retry.",
            id=message_id,
            status=exc.status,
        )
        flash(text, "error")
        return _back()
    flash(*_retried(result))
    return _back()


@bp.app_context_processor
def failure_badge() -> dict[str, Any]:
    """The navigation's count of failed events and messages, for admins only."""
    if not (current_user.is_authenticated and current_user.is_admin and _have_tables()):
        return {"channel_failures": 0}
    return {"channel_failures": failures.failure_count(current_engine())}


def _replayed(event_id: int, status: str, error: str | None, handed_on: bool) -> tuple[str, str]:
    if status == EventStatus.PROCESSED:
        return _("Event %(id)s replayed: processed.", id=event_id), "info"
    if status == EventStatus.IGNORED:
        return _("Event %(id)s replayed: no rule applies, ignored.", id=event_id), "info"
    if status == EventStatus.FAILED:
        return _("Event %(id)s failed again: %(error)s", id=event_id, error=error or ""), "error"
    if handed_on:
        return _("Event %(id)s is queued for processing.", id=event_id), "info"
    return _("Event %(id)s waits for the sweeper: the queue is unavailable.", id=event_id), "error"


def _retried(result: dict[str, Any]) -> tuple[str, str]:
    number, error = result["id"], result["error"] or ""
    if result["status"] == "sent":
        return _("Message %(id)s sent.", id=number), "info"
    if result["status"] == "failed":
        return _("Message %(id)s failed again: %(error)s", id=number, error=error), "error"
    if result["attempts"]:
        text = _(
            "Message %(id)s failed again and will be retried later: %(error)s",
            id=number,
            error=error,
        )
        return text, "error"
    return _("Message %(id)s is queued again; the outbox delivers it shortly.", id=number), "info"


def _have_tables() -> bool:
    """Whether the journal and outbox exist; remembered once they do (schemas only grow)."""
    if current_app.extensions.get(TABLES_KEY):
        return True
    found = failures.have_tables(current_engine())
    current_app.extensions[TABLES_KEY] = found
    return found


def _limit() -> int:
    text = request.args.get("limit", "").strip()
    if not text:
        return failures.DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= failures.MOST:
        abort(400, description=f"limit must be a whole number from 1 to {failures.MOST}")
    return int(text)


def _back() -> Response:
    return redirect(url_for("operations.channels"))
