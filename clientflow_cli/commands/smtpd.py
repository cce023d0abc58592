"""``clientflow smtpd``: the inbound SMTP receiver; ``clientflow imap-poll``: the IMAP poller.

Both journal what arrives and hand it to processing: Celery workers when
CLIENTFLOW_BROKER_URL is set, this process otherwise.
"""

from __future__ import annotations

import os
import threading

import click

from engine import Engine
from integrations import Integrations, celery_dispatcher
from integrations.imap_poller import IMAP_URL_ENV, Mailbox, poll
from integrations.smtp_receiver import start_receiver
from integrations.tasks import publish_fast

from ..context import open_engine
from ..runtime import get_celery_app
from ..schema import ensure_schema


def integration_service(engine: Engine) -> Integrations:
    """The integrations over ``engine``, handing events to Celery when there is a broker."""
    service = Integrations.from_env(engine)
    if os.environ.get("CLIENTFLOW_BROKER_URL"):
        app = get_celery_app()
        publish_fast(app)
        service.dispatch = celery_dispatcher(app)
    else:
        ensure_schema(engine)
    return service


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
def smtpd(host: str, port: int) -> None:
    """Receive mail by SMTP: every message is journaled, then opens or advances a process."""
    with open_engine() as engine:
        controller = start_receiver(integration_service(engine), host, port)
        click.echo(f"clientflow smtpd on {host}:{port}; Ctrl+C stops it")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()


@click.command("imap-poll")
@click.option("--url", envvar=IMAP_URL_ENV, required=True,
              help=f"imaps://user:password@host:993/INBOX (or {IMAP_URL_ENV})")  # fmt: skip
@click.option("--every", default=60.0, show_default=True, help="seconds between polls")
@click.option("--once", is_flag=True, help="poll once and exit")
def imap_poll(url: str, every: float, once: bool) -> None:
    """Journal the unseen mail of an IMAP mailbox, then mark it seen; repeat."""
    mailbox = Mailbox.from_url(url)
    with open_engine() as engine:
        service = integration_service(engine)
        while True:
            report = poll(service, mailbox)
            click.echo(
                f"{report.journaled} journaled, {report.duplicates} already known,"
                f" {report.unreadable} unreadable"
            )
            if once or threading.Event().wait(every):
                return


COMMANDS = (smtpd, imap_poll)
