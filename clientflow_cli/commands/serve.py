"""``serve``, ``worker`` and ``beat``: the processes that run clientflow.

Embedded mode (no CLIENTFLOW_BROKER_URL) needs nothing but ``serve``: it creates
the schema and fires due timers in a thread. Production runs gunicorn plus
Celery ``worker`` and ``beat``.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol

import click

from engine import Engine
from handlers import build_engine

from ..errors import CliError
from ..schema import ensure_schema

PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


class Stoppable(Protocol):
    def stop(self) -> None: ...


def start_timers(engine: Engine) -> Stoppable | None:
    """Fire due timers in this process; say so when the timer loop is not available."""
    try:
        from engine._celery import start_timer_thread
    except ImportError as exc:
        click.echo(f"warning: timers will not fire in this process ({exc})", err=True)
        return None
    return start_timer_thread(engine)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the web app; in embedded mode also create the schema and run timers."""
    from web import create_app

    engine = build_engine()
    embedded = not os.environ.get("CLIENTFLOW_BROKER_URL")
    timers = None
    if embedded:
        ensure_schema(engine)
        timers = start_timers(engine)
    mode = "embedded" if embedded else "production (Celery workers run background work)"
    click.echo(f"clientflow on http://{host}:{port}/ ({mode}); Ctrl+C stops it")
    try:
        create_app(engine).run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if timers is not None:
            timers.stop()
        engine.db.dispose()


@click.command(context_settings=PASS_THROUGH)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def worker(argv: tuple[str, ...]) -> None:
    """Run a Celery worker (production mode); extra arguments go to Celery."""
    _run("worker_main", argv)


@click.command(context_settings=PASS_THROUGH)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def beat(argv: tuple[str, ...]) -> None:
    """Run the Celery beat scheduler (production mode); extra arguments go to Celery."""
    _run("beat_main", argv)


def _run(entry: str, argv: tuple[str, ...]) -> None:
    from .. import runtime

    main = getattr(runtime, entry, None)
    if main is None:
        raise CliError(f"clientflow_cli.runtime.{entry} is not available in this version")
    code = main(list(argv))
    if isinstance(code, int) and code:
        sys.exit(code)


COMMANDS = (serve, worker, beat)
