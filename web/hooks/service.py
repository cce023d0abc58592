"""The app's :class:`integrations.Integrations`, built from its configuration.

With ``BROKER_URL`` (CLIENTFLOW_BROKER_URL) events go to Celery workers;
without, they are processed in-process right after the journal commit, and a
thread sweeps the journal and the outbox (not under ``TESTING``).
``HOOK_SECRET`` and ``TWILIO_AUTH_TOKEN`` verify the hooks; with outbound mail set
up (``MAIL_PROVIDER``, or the default's ``SMTP_URL``) each message a step queues is
delivered right after the step commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from celery import Celery
from flask import Flask, current_app

import handlers.mail
from engine import Engine
from engine._celery import make_celery
from integrations import Integrations, celery_dispatcher, register_tasks
from integrations import outbox as delivery
from integrations.mail_providers import MailProvider, mail_configured, provider_from_config
from integrations.models import IntegrationEvent
from integrations.tasks import OUTBOX_MESSAGE_TASK, EmbeddedLoop, publish_fast

from ..context import ENGINE_KEY

log = logging.getLogger(__name__)

SERVICE_KEY = "clientflow.integrations"
CELERY_KEY = "clientflow.hooks_celery"
LOOP_KEY = "clientflow.integrations_loop"
DELIVERY_KEY = "clientflow.outbox_delivery"
"""What sends an outbox message after its step committed (absent: mail is not set up)."""


def init_service(app: Flask) -> Integrations:
    engine: Engine = app.extensions[ENGINE_KEY]
    folder = app.config.get("ATTACHMENTS_DIR")
    service = Integrations(
        engine,
        hook_secret=app.config.get("HOOK_SECRET") or None,
        twilio_auth_token=app.config.get("TWILIO_AUTH_TOKEN") or None,
        attachments_dir=Path(folder) if folder else Path(app.instance_path) / "attachments",
    )
    broker = app.config.get("BROKER_URL")
    celery = None
    if broker:
        celery = make_celery(lambda: engine, str(broker))
        register_tasks(celery, lambda: service)
        publish_fast(celery)
        service.dispatch = celery_dispatcher(celery)
        app.extensions[CELERY_KEY] = celery
    elif not app.testing and _journal_exists(engine):
        loop = EmbeddedLoop(service)
        loop.start()
        app.extensions[LOOP_KEY] = loop
    if mail_configured(app.config):
        provider = provider_from_config(app.config)
        deliver = _delivery(engine, provider, celery)
        handlers.mail.set_delivery(deliver)
        app.extensions[DELIVERY_KEY] = deliver
    app.extensions[SERVICE_KEY] = service
    return service


def _delivery(
    engine: Engine, provider: MailProvider, celery: Celery | None
) -> Callable[[int], None]:
    """After a step queued a message: hand it to a worker, or send it here (embedded)."""

    def deliver(outbox_id: int) -> None:
        try:
            if celery is not None:
                celery.tasks[OUTBOX_MESSAGE_TASK].apply_async((outbox_id,), retry=False)
            else:
                delivery.deliver_one(engine.db, outbox_id, provider.send)
        except Exception:  # the step committed; the outbox sweep delivers it later
            log.exception("delivering outbox message %s now failed; the sweep retries", outbox_id)

    return deliver


def _journal_exists(engine: Engine) -> bool:
    """The sweeping thread only where the schema has the journal (``clientflow serve`` made it)."""
    return sa.inspect(engine.db.engine).has_table(IntegrationEvent.__tablename__)


def current_service() -> Integrations:
    service: Integrations = current_app.extensions[SERVICE_KEY]
    return service
