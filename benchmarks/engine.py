"""Engine benchmark: raw SpiffWorkflow in memory (the ceiling) against our engine, durably.

Measured in one run on one machine: starting an instance up to its first user
task and completing a user task up to the next one, for raw SpiffWorkflow and
for ``Engine.start`` / ``Engine.complete_task`` on SQLite and PostgreSQL
(committed), as instances/s, as a share of the ceiling, and as p50/p99
latency; SQL statements and commits per operation; and what completing a task
costs in an instance that already has 1,000 completed tasks against a fresh
one. See docs/benchmarks.md for what each figure means.

Run ``python -m benchmarks.engine [--json] [--quick]`` or ``clientflow bench engine``.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from engine import Engine

from . import _report, _standalone
from ._harness import Reporter, Series, count_sql, time_round, timed
from ._targets import (
    AGAIN,
    PG_ENV,
    PROCESS_KEY,
    Ceiling,
    code_revision,
    load_average,
    machine,
    open_tasks,
    postgresql_engine,
    postgresql_reference,
    server_version,
    sqlite_engine,
)

HISTORY = 1000  # completed tasks in the "history" instance


@dataclass(frozen=True)
class Plan:
    """How much to run: the full plan for figures, the quick one for a smoke test."""

    rounds: int
    per_round: int
    warmup: int
    counted: int  # operations run with the SQL counters attached (untimed)
    history_samples: int


FULL = Plan(rounds=5, per_round=400, warmup=100, counted=50, history_samples=200)
QUICK = Plan(rounds=3, per_round=70, warmup=20, counted=10, history_samples=40)


def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """Measure everything and return the figures; show progress and a table unless JSON."""
    plan = QUICK if quick else FULL
    pg_url = os.environ.get(PG_ENV)
    load = load_average()
    cores = os.cpu_count() or 1
    notes = []
    if not pg_url:
        notes.append(f"{PG_ENV} is not set: PostgreSQL figures are null")
        print(f"note: {notes[-1]}", file=sys.stderr)
    if load is not None and load[0] > 0.5 * cores:
        notes.append(f"the machine was busy before the run (load {load[0]} on {cores} cores)")
    with ExitStack() as stack, Reporter(enabled=not json_output) as ui:
        engines = {"sqlite": stack.enter_context(sqlite_engine())}
        if pg_url:
            engines["postgresql"] = stack.enter_context(postgresql_engine(pg_url))
        results = measure(engines, plan, ui)
    figures = _report.assemble(results, plan.rounds * plan.per_round, HISTORY, quick, notes)
    for name, measured in results.items():
        figures[f"{name}_start_cpu_us"] = round(measured["start_cpu_us"], 1)
    figures["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["revision"] = code_revision()
    figures["machine"] = machine(results.get("postgresql", {}).get("server_version"), load)
    if not json_output:
        _report.print_table(figures, Console(width=max(100, Console().width)))
    return figures


def measure(engines: dict[str, Engine], plan: Plan, ui: Reporter) -> dict[str, dict[str, Any]]:
    """Every target, round by round in turn, so that the machine's load hits all alike.

    Each round times the ceiling, then each database, on the same operation;
    a figure's ratio to the ceiling is the median of its per-round ratios.
    """
    ceiling = Ceiling()
    _warm_up_ceiling(ceiling, plan.warmup)
    for engine in engines.values():
        _warm_up(engine, plan.warmup)
    names = ["ceiling", *engines]
    results: dict[str, dict[str, Any]] = {
        n: {"start": Series(), "complete": Series()} for n in names
    }
    reference: list[dict[str, float]] = []
    started: dict[str, list[Any]] = {n: [] for n in names}
    total = plan.rounds * plan.per_round * len(names)
    tick = ui.phase("start to first user task (all targets)", total)
    for _ in range(plan.rounds):
        ops = [ceiling.start] * plan.per_round
        started["ceiling"] += time_round(results["ceiling"]["start"], ops, tick)
        for name, engine in engines.items():
            ops = [_bind(_start, engine)] * plan.per_round
            started[name] += time_round(results[name]["start"], ops, tick)
            if name == "postgresql":
                reference.append(postgresql_reference(engine, 50))
    tasks = {"ceiling": [(wf, ceiling.ready_task(wf)) for wf in started["ceiling"]]}
    for name, engine in engines.items():
        task_of = open_tasks(engine)
        tasks[name] = [(engine, task_of[i]) for i in started[name]]
    tick = ui.phase("complete a user task (all targets)", total)
    for r in range(plan.rounds):
        chunk = slice(r * plan.per_round, (r + 1) * plan.per_round)
        ops = [_bind(ceiling.complete, wf, task) for wf, task in tasks["ceiling"][chunk]]
        time_round(results["ceiling"]["complete"], ops, tick)
        for name in engines:
            ops = [_bind(_complete, engine, task) for engine, task in tasks[name][chunk]]
            time_round(results[name]["complete"], ops, tick)
    starts = {"ceiling": ceiling.start, **{n: _bind(_start, e) for n, e in engines.items()}}
    for name, cpu in _cpu_per_start(starts, plan.per_round // 2).items():
        results[name]["start_cpu_us"] = cpu
    for name, engine in engines.items():
        label = "PostgreSQL" if name == "postgresql" else "SQLite"
        figures = results[name]
        figures["sql"] = _count(engine, plan.counted)
        figures["history"] = _history(label, engine, plan.history_samples, ui)
        if name == "postgresql":
            figures["reference"] = {
                key: statistics.median(ref[key] for ref in reference) for key in reference[0]
            }
            figures["server_version"] = server_version(engine)
    return results


def _cpu_per_start(targets: dict[str, Callable[[], Any]], count: int) -> dict[str, float]:
    """CPU time of this thread per start (µs), in untimed passes after the timed rounds.

    Unlike wall time, it leaves out waiting for the server and most of what
    other work on the machine does, so it shows what a start costs us. Three
    passes, the targets in turn; the median of each target's passes.
    """
    passes: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(3):
        for name, start in targets.items():
            gc.collect()
            cpu = time.thread_time()
            for _ in range(count):
                start()
            passes[name].append((time.thread_time() - cpu) / count * 1e6)
    return {name: statistics.median(values) for name, values in passes.items()}


def _warm_up_ceiling(ceiling: Ceiling, count: int) -> None:
    for _ in range(count):
        workflow = ceiling.start()
        ceiling.complete(workflow, ceiling.ready_task(workflow))
        ceiling.ready_task(workflow)


def _start(engine: Engine) -> str:
    return str(engine.start(PROCESS_KEY)["id"])


def _complete(engine: Engine, task_id: Any) -> None:
    engine.complete_task(task_id, AGAIN)


def _warm_up(engine: Engine, count: int) -> None:
    """Fill caches (parsed spec, compiled SQL, prepared statements, pool) before timing."""
    ids = [_start(engine) for _ in range(count)]
    task_of = open_tasks(engine)
    for instance in ids:
        _complete(engine, task_of[instance])


def _count(engine: Engine, count: int) -> dict[str, float]:
    """Statements and commits per start and per complete, in an untimed pass."""
    with count_sql(engine.db) as started:
        ids = [_start(engine) for _ in range(count)]
    task_of = open_tasks(engine)
    with count_sql(engine.db) as completed:
        for instance in ids:
            _complete(engine, task_of[instance])
    return {
        "statements_per_start": started.statements / count,
        "commits_per_start": started.commits / count,
        "statements_per_complete": completed.statements / count,
        "commits_per_complete": completed.commits / count,
    }


def _history(label: str, engine: Engine, samples: int, ui: Reporter) -> dict[str, float]:
    """Completing in an instance with ``HISTORY`` completed tasks against a fresh instance.

    The two are timed alternately (and in alternating order) so that drift of
    the machine or of the database affects both alike.
    """
    old = _start(engine)
    tick = ui.phase(f"{label}: build a {HISTORY:,}-task instance", HISTORY)
    for _ in range(HISTORY):
        _complete(engine, open_tasks(engine, old)[old])
        tick()
    fresh_ids = [_start(engine) for _ in range(samples)]
    task_of = open_tasks(engine)
    fresh, history = Series(), Series()
    tick = ui.phase(f"{label}: complete, {HISTORY:,}-task vs fresh", samples)
    for n, instance in enumerate(fresh_ids):
        old_task = open_tasks(engine, old)[old]
        pair = [
            (fresh, _bind(_complete, engine, task_of[instance])),
            (history, _bind(_complete, engine, old_task)),
        ]
        for series, op in pair if n % 2 == 0 else reversed(pair):
            timed(series, op)
        tick()
    return {
        "fresh_p50_ms": fresh.p50_ms,
        "history_p50_ms": history.p50_ms,
        "ratio": statistics.median(history.latencies) / statistics.median(fresh.latencies),
    }


def _bind(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: fn(*args)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


if __name__ == "__main__":
    raise SystemExit(_standalone.main(run, __doc__, "~200 operations instead of 2,000"))
