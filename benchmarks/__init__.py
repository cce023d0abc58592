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


SUITES: dict[str, Suite] = {"engine": _engine}

__all__ = ["SUITES", "Suite"]
