"""Benchmark suites, run by ``clientflow bench [SUITE] [--json] [--quick]``.

Each suite is a callable taking ``json_output`` and ``quick`` keywords and
returning its figures as a JSON-ready dict. With ``json_output`` a suite prints
nothing on stdout (the caller prints the returned dict as one JSON object);
otherwise it shows progress bars and a table. Suites are imported on first
use, so that ``import benchmarks`` stays cheap for the CLI and
``python -m benchmarks.engine`` does not import its own module twice.
"""

from __future__ import annotations

from typing import Any, Protocol


class Suite(Protocol):
    """The signature every suite has."""

    def __call__(self, *, json_output: bool = False, quick: bool = False) -> dict[str, Any]: ...


def _engine(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The engine suite: raw SpiffWorkflow ceiling against our engine on SQLite and PostgreSQL."""
    from .engine import run

    return run(json_output=json_output, quick=quick)


def _imports(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The import suite: a 10,000-row contacts CSV through the contact_import process."""
    from .imports import run

    return run(json_output=json_output, quick=quick)


def _hooks(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The hooks suite: signed events journaled per second, with p50/p99 latency."""
    from .hooks import run

    return run(json_output=json_output, quick=quick)


def _campaign(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The campaign suite: a 10,000-member email campaign run to its results task."""
    from .campaign import run

    return run(json_output=json_output, quick=quick)


def _inbox(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The inbox suite: the inbox page over 100,000 open tasks, server-side ms."""
    from .inbox import run

    return run(json_output=json_output, quick=quick)


SUITES: dict[str, Suite] = {
    "engine": _engine,
    "imports": _imports,
    "hooks": _hooks,
    "campaign": _campaign,
    "inbox": _inbox,
}

__all__ = ["SUITES", "Suite"]
