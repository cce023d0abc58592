"""``clientflow outbox``: the outbound email and SMS queue (list, retry what failed)."""

from __future__ import annotations

from collections.abc import Callable

import click
import sqlalchemy as sa

from crm import NotFoundError
from crm.models import OutboxMessage, OutboxStatus
from crm.outbox import NotFailedError
from engine import Engine
from integrations import NotConfigured
from integrations import outbox as delivery

from ..context import open_engine
from ..errors import CliError


@click.group()
def outbox() -> None:
    """Outbound email and SMS: what is queued, sent or failed."""


@outbox.command("list")
@click.option("--failed", is_flag=True, help="only messages whose delivery failed for good")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_messages(failed: bool, limit: int) -> None:
    """The newest messages: id, status, attempts, created, recipient, subject, last error."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if failed:
        query = query.where(OutboxMessage.status == OutboxStatus.FAILED)
    with open_engine() as engine, engine.session() as session:
        rows = list(session.scalars(query))
        lines = [_line(m) for m in rows]
    if not lines:
        click.echo("no failed messages" if failed else "the outbox is empty")
    for line in lines:
        click.echo(line)


@outbox.command()
@click.argument("message_id", type=int)
def retry(message_id: int) -> None:
    """Queue MESSAGE_ID, which failed for good, again (after fixing the cause).

    With outbound mail set up (CLIENTFLOW_SMTP_URL or CLIENTFLOW_MAIL_PROVIDER) it
    is delivered now; otherwise the next outbox sweep delivers it.
    """
    with open_engine() as engine:
        try:
            result = delivery.retry_failed(engine.db, message_id, _deliver_now(engine))
        except NotFoundError as exc:
            raise CliError(f"no outbox message has id {message_id}") from exc
        except NotFailedError as exc:
            raise CliError(str(exc)) from exc
    click.echo(f"message {message_id}: {_outcome(result)}")


def _deliver_now(engine: Engine) -> Callable[[int], None] | None:
    if not delivery.configured_in_env():
        return None
    try:
        provider = delivery.provider_from_env()
    except NotConfigured as exc:
        raise CliError(f"outbound mail is not set up right: {exc}") from exc
    return lambda outbox_id: _deliver(engine, outbox_id, provider.send)


def _deliver(engine: Engine, outbox_id: int, send: delivery.Send) -> None:
    delivery.deliver_one(engine.db, outbox_id, send)


def _outcome(result: dict[str, object]) -> str:
    status, error = result["status"], result["error"]
    if status == "sent":
        return "sent"
    if status == "failed" or result["attempts"]:
        return f"{status}; the attempt failed: {error}"
    return "queued; the outbox sweep delivers it (a worker, or `clientflow serve` when embedded)"


def _line(m: OutboxMessage) -> str:
    created = m.created_at.strftime("%Y-%m-%d %H:%M")
    error = f"  {m.last_error}" if m.last_error and m.status != OutboxStatus.SENT else ""
    return (
        f"{m.id:>6}  {m.status:<6} {m.attempts:>2}x  {created}  {m.recipient}"
        f"  {m.subject or '-'}{error}"
    )


COMMANDS = (outbox,)
