"""A test operator for the distributed tests: a step that writes, then holds still to be killed.

Loaded into workers with ``CLIENTFLOW_PLUGINS=tests.engine.slow_ops``. ``test.slow``
writes a row through the step's session, appends its process id to the file
named by ``CLIENTFLOW_TEST_SLOW_MARKER`` (so the test knows the step is inside
the operator, and which process runs it), then waits while ``<marker>.hold``
exists. A test kills the worker during that wait and checks the row is gone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine import OperatorRegistry, StepContext

MARKER_ENV = "CLIENTFLOW_TEST_SLOW_MARKER"
HOLD_LIMIT = 30.0  # seconds; a forgotten hold file must not wedge a worker for ever

SLOW_NOTES = sa.Table(
    "test_slow_note",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("instance_id", sa.String(64)),
    sa.Column("pid", sa.Integer),
)


def register(registry: OperatorRegistry) -> None:
    registry.add("test.slow", slow)


def slow(ctx: StepContext) -> dict[str, Any]:
    """Write a note, report that the step is here, then wait while the test holds it."""
    ctx.session.execute(sa.insert(SLOW_NOTES).values(instance_id=ctx.instance_id, pid=os.getpid()))
    ctx.session.flush()
    marker = os.environ.get(MARKER_ENV)
    if marker:
        with Path(marker).open("a") as out:
            out.write(f"{os.getpid()}\n")
        hold = hold_file(Path(marker))
        deadline = time.monotonic() + HOLD_LIMIT
        while hold.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    return {"pid": os.getpid()}


def hold_file(marker: Path) -> Path:
    """While this file exists, ``test.slow`` waits inside its step."""
    return marker.with_name(marker.name + ".hold")
