"""Timing helpers: per-operation latencies, per-round rates, SQL counts, quiet progress bars.

Throughput is the median over rounds of ``operations / time inside the
operations``, so progress-bar updates and untimed set-up between operations
never count. Progress bars refresh by hand between operations (no background
refresh thread competing for the GIL while we time).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine import Database

T = TypeVar("T")
Tick = Callable[[], None]


@dataclass
class Series:
    """Latencies (seconds) of single operations and the rates (ops/s) of whole rounds."""

    latencies: list[float] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return statistics.median(self.round_rates)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: an observed value, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(series: Series, op: Callable[[], T]) -> T:
    """Run ``op`` once and add its latency to ``series``."""
    start = time.perf_counter()
    result = op()
    series.latencies.append(time.perf_counter() - start)
    return result


def time_round(series: Series, ops: list[Callable[[], T]], tick: Tick) -> list[T]:
    """Run one round of operations, timing each; the round's rate goes into ``series``."""
    gc.collect()  # start each round with the same heap, not with a previous round's garbage
    first = len(series.latencies)
    results = []
    for op in ops:
        results.append(timed(series, op))
        tick()
    spent = sum(series.latencies[first:])
    series.round_rates.append(len(ops) / spent)
    return results


@dataclass
class SqlCounts:
    statements: int = 0
    commits: int = 0


@contextmanager
def count_sql(db: Database) -> Iterator[SqlCounts]:
    """Count statements and commits on ``db``: SQLAlchemy's, and those sent to the driver.

    SQLAlchemy's are counted by its ``before_cursor_execute`` and ``commit``
    events; the engine sends a step's writes to the driver directly and counts
    those itself (a start is usually one statement that commits by itself).
    Pool pings, ``BEGIN`` and ``COMMIT`` are not statements here; they are
    round trips nonetheless (see docs/benchmarks.md).
    """
    counts = SqlCounts()
    engine = db.engine
    direct = (db.direct_statements, db.direct_commits)

    def on_execute(*_: Any) -> None:
        counts.statements += 1

    def on_commit(*_: Any) -> None:
        counts.commits += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    sa.event.listen(engine, "commit", on_commit)
    try:
        yield counts
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
        sa.event.remove(engine, "commit", on_commit)
        counts.statements += db.direct_statements - direct[0]
        counts.commits += db.direct_commits - direct[1]


class Reporter(AbstractContextManager["Reporter"]):
    """Rich progress bars, or nothing at all when the caller wants only JSON."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self.console = console or Console()
        self._progress = Progress(
            TextColumn("{task.description:<42}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            auto_refresh=False,
            disable=not enabled,
        )
        self._last_refresh = 0.0

    def __enter__(self) -> Reporter:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.refresh()
        self._progress.__exit__(exc_type, exc, tb)

    def phase(self, description: str, total: int) -> Tick:
        """A new bar; returns the function that advances it by one operation."""
        if not self.enabled:
            return _nothing
        task = self._progress.add_task(description, total=total)
        self._progress.refresh()

        def tick() -> None:
            self._progress.advance(task)
            now = time.perf_counter()
            if now - self._last_refresh > 0.1 or self._progress.finished:
                self._last_refresh = now
                self._progress.refresh()

        return tick

    def note(self, message: str) -> None:
        if self.enabled:
            self._progress.console.print(message)


def _nothing() -> None:
    return None
