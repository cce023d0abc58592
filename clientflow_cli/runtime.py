"""Build the process-wide :class:`engine.Engine` from the environment.

The engine comes from :func:`handlers.build_engine`, as in the web app: the
built-in operators plus the modules named in ``CLIENTFLOW_PLUGINS``. Registration
is explicit, never an import side effect.

``celery_app`` (created on first access, so ``CLIENTFLOW_BROKER_URL`` is read
then) is what ``celery -A clientflow_cli.runtime:celery_app`` and
:func:`worker_main` / :func:`beat_main` run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import click
from celery import Celery

from engine import Engine
from engine._celery import make_celery
from handlers import build_engine
from integrations import Integrations, register_tasks


@lru_cache(maxsize=1)
def shared_engine() -> Engine:
    """The engine of this process (web app, worker), created on first use."""
    return build_engine()


WORKER_DEFAULTS = ("--loglevel=INFO", "--pool=prefork", "--concurrency=2")
BEAT_DEFAULTS = ("--loglevel=INFO",)


@lru_cache(maxsize=1)
def get_celery_app() -> Celery:
    """The Celery app of this process over :func:`shared_engine` (eager without a broker)."""
    app = make_celery(shared_engine, os.environ.get("CLIENTFLOW_BROKER_URL"))
    register_tasks(app, shared_integrations)  # journaled events, the sweeper, the outbox
    return app


@lru_cache(maxsize=1)
def shared_integrations() -> Integrations:
    """The integrations of this process (a worker's event processing) over its engine."""
    return Integrations.from_env(shared_engine())


def __getattr__(name: str) -> Any:
    """``celery_app`` is built on first access, not at import (PEP 562)."""
    if name == "celery_app":
        return get_celery_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def worker_main(argv: Sequence[str] = ()) -> None:
    """Run a Celery worker for this app; ``argv`` adds to or overrides the defaults."""
    _require_broker("worker")
    get_celery_app().worker_main(["worker", *WORKER_DEFAULTS, *argv])


def beat_main(argv: Sequence[str] = ()) -> None:
    """Run Celery beat, which sweeps for due timers every few seconds."""
    _require_broker("beat")
    get_celery_app().start(["beat", *BEAT_DEFAULTS, *argv])


def _require_broker(what: str) -> None:
    if not os.environ.get("CLIENTFLOW_BROKER_URL"):
        raise click.ClickException(
            f"a Celery {what} needs a broker: set CLIENTFLOW_BROKER_URL "
            "(e.g. redis://localhost:6379/0). Without one, `clientflow serve` runs "
            "background work in-process."
        )
