"""``clientflow events``: the inbound event journal (list, show failures, replay, sweep)."""

from __future__ import annotations

import json

import click

from integrations import EventNotFound, journal

from ..context import open_engine
from ..errors import CliError
from .smtpd import integration_service


@click.group()
def events() -> None:
    """The journal of inbound calls and emails."""


@events.command("list")
@click.option("--failed", is_flag=True, help="only events whose processing failed")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_events(failed: bool, limit: int) -> None:
    """The newest events: id, status, channel, kind, sender, error."""
    with open_engine() as engine:
        service = integration_service(engine)
        rows = service.failed(limit) if failed else journal.events(engine.db, limit=limit)
    for row in rows:
        error = f"  {row['error']}" if row["error"] else ""
        click.echo(
            f"{row['id']:>6}  {row['status']:<9} {row['source']:<9} {row['kind']:<13}"
            f" {row['sender'] or '-'}{error}"
        )


@events.command()
@click.argument("event_id", type=int)
def replay(event_id: int) -> None:
    """Process EVENT_ID again (after fixing what made it fail); done actions stay done."""
    with open_engine() as engine:
        service = integration_service(engine)
        try:
            service.replay(event_id)
        except EventNotFound as exc:
            raise CliError(str(exc)) from exc
        event = journal.get(engine.db, event_id)
    click.echo(f"event {event_id}: {event.status}")
    click.echo(json.dumps(event.outcome or [], indent=2, default=str))


@events.command()
@click.option("--older-than", default=30.0, show_default=True, help="seconds")
def sweep(older_than: float) -> None:
    """Hand on every event journaled but never processed (what beat does every 30 s)."""
    with open_engine() as engine:
        count = integration_service(engine).sweep(older_than)
    click.echo(f"{count} event(s) handed on")


COMMANDS = (events,)
