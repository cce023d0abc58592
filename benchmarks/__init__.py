"""Benchmark suites, run by ``clientflow bench [SUITE] [--json] [--quick]``.

Each suite is a callable taking ``json_output`` and ``quick`` keywords and
returning its figures as a JSON-ready dict. With ``json_output`` a suite prints
nothing on stdout (the caller prints the returned dict as one JSON object);
otherwise it shows progress bars and a table. Suites are imported on first
use, so that ``import benchmarks`` stays cheap for the CLI and
``python -m benchmarks.engine`` does not import its own module twice.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class Suite(Protocol):
    """The signature every suite has."""

    def __call__(self, *, json_output: bool = False, quick: bool = False) -> dict[str, Any]: ...


def _lazy(module: str) -> Suite:
    """The ``run`` of ``benchmarks.<module>``, imported when first called."""

    def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
        suite: Suite = importlib.import_module(f"{__name__}.{module}").run
        return suite(json_output=json_output, quick=quick)

    return run


# engine: raw SpiffWorkflow against our engine; imports: a 10,000-row CSV through
# contact_import; hooks: signed events journaled per second; campaign: 10,000 members to
# the results task; inbox: the inbox page over 100,000 open tasks
SUITES: dict[str, Suite] = {
    name: _lazy(name) for name in ("engine", "imports", "hooks", "campaign", "inbox")
}

__all__ = ["SUITES", "Suite"]
