"""Turn measured series into the suite's flat, comparable figures, and show them as a table.

Keys are flat (``<target>_<operation>_<figure>``) so that two ``--json`` runs
can be compared key by key; a database that was not measured has ``null``
figures rather than missing keys.
"""

from __future__ import annotations

import statistics
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from ._harness import Series

TARGET_MIN = 0.30  # PostgreSQL start as a share of the ceiling: required
TARGET_AIM = 0.50  # ... and aimed for
HISTORY_MAX = 2.0  # completing in a 1,000-task instance vs a fresh one
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
OPERATIONS = ("start", "complete")


def assemble(
    results: dict[str, dict[str, Any]],
    operations: int,
    history: int,
    quick: bool,
    notes: list[str],
) -> dict[str, Any]:
    """The figures of one run as a JSON-ready dict (rounded, nulls for what was not run)."""
    ceiling = results["ceiling"]
    figures: dict[str, Any] = {"suite": "engine", "quick": quick, "operations": operations}
    for op in OPERATIONS:
        figures |= _series(f"ceiling_{op}", ceiling[op])
    for db in DATABASES:
        measured = results.get(db)
        for op in OPERATIONS:
            series = measured[op] if measured else None
            figures |= _series(f"{db}_{op}", series)
            figures[f"{db}_{op}_ratio"] = round(_ratio(series, ceiling[op]), 3) if series else None
        for key in (
            "statements_per_start",
            "commits_per_start",
            "statements_per_complete",
            "commits_per_complete",
        ):
            figures[f"{db}_{key}"] = round(measured["sql"][key], 2) if measured else None
        hist = measured["history"] if measured else {}
        figures[f"{db}_history_cost_ratio"] = _r(hist.get("ratio"), 3)
        figures[f"{db}_history_fresh_p50_ms"] = _r(hist.get("fresh_p50_ms"), 3)
        figures[f"{db}_history_p50_ms"] = _r(hist.get("history_p50_ms"), 3)
    reference = results.get("postgresql", {}).get("reference", {})
    figures["postgresql_roundtrip_ms"] = _r(reference.get("roundtrip_ms"), 3)
    figures["postgresql_commit_ms"] = _r(reference.get("commit_ms"), 3)
    floor = None
    if reference:
        start_ms = ceiling["start"].p50_ms
        floor = round(start_ms / (start_ms + reference["commit_ms"]), 3)
    figures["postgresql_start_floor_ratio"] = floor
    primary = "postgresql" if "postgresql" in results else "sqlite"
    figures["history_cost_ratio"] = figures[f"{primary}_history_cost_ratio"]
    figures["history_database"] = primary
    figures["history_completions"] = history
    pg_ratio = figures["postgresql_start_ratio"]
    figures["targets"] = {
        "postgresql_start_ratio_min": TARGET_MIN,
        "postgresql_start_ratio_aim": TARGET_AIM,
        "history_cost_ratio_max": HISTORY_MAX,
        "postgresql_start_met": None if pg_ratio is None else pg_ratio >= TARGET_MIN,
        "history_met": figures["history_cost_ratio"] <= HISTORY_MAX,
    }
    figures["notes"] = notes
    return figures


def _ratio(series: Series, ceiling: Series) -> float:
    """Median of the per-round ratios (rounds alternate between targets), else of the medians."""
    if len(series.round_rates) == len(ceiling.round_rates):
        pairs = zip(series.round_rates, ceiling.round_rates, strict=True)
        return statistics.median(rate / top for rate, top in pairs)
    return series.per_s / ceiling.per_s


def _series(prefix: str, series: Series | None) -> dict[str, float | None]:
    if series is None:
        return {f"{prefix}_per_s": None, f"{prefix}_p50_ms": None, f"{prefix}_p99_ms": None}
    return {
        f"{prefix}_per_s": round(series.per_s, 1),
        f"{prefix}_p50_ms": round(series.p50_ms, 3),
        f"{prefix}_p99_ms": round(series.p99_ms, 3),
    }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def print_table(figures: dict[str, Any], console: Console) -> None:
    """This run's figures as a table, then history, targets and the machine."""
    table = Table(
        title=f"Engine benchmark, {figures['operations']:,} operations per figure",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("", no_wrap=True)
    table.add_column("")
    for column in ("per s", "of ceiling", "p50 ms", "p99 ms", "SQL", "commits"):
        table.add_column(column, justify="right")
    for op in OPERATIONS:
        table.add_row(
            "Spiff in memory" if op == "start" else "",
            op,
            _fmt(figures[f"ceiling_{op}_per_s"], ",.0f"),
            "100%",
            _fmt(figures[f"ceiling_{op}_p50_ms"], ".3f"),
            _fmt(figures[f"ceiling_{op}_p99_ms"], ".3f"),
            "",
            "",
        )
    for db, name in DATABASES.items():
        for op in OPERATIONS:
            table.add_row(
                name if op == "start" else "",
                op,
                _fmt(figures[f"{db}_{op}_per_s"], ",.0f"),
                _fmt(figures[f"{db}_{op}_ratio"], ".1%"),
                _fmt(figures[f"{db}_{op}_p50_ms"], ".3f"),
                _fmt(figures[f"{db}_{op}_p99_ms"], ".3f"),
                _fmt(figures[f"{db}_statements_per_{op}"], "g"),
                _fmt(figures[f"{db}_commits_per_{op}"], "g"),
            )
    console.print(table)
    for db, name in DATABASES.items():
        if figures[f"{db}_history_cost_ratio"] is not None:
            console.print(
                f"{name}: complete after {figures['history_completions']:,} tasks "
                f"{figures[f'{db}_history_p50_ms']:.3f} ms, fresh "
                f"{figures[f'{db}_history_fresh_p50_ms']:.3f} ms (p50): "
                f"[bold]{figures[f'{db}_history_cost_ratio']:.2f}x[/]"
            )
    if figures["postgresql_commit_ms"] is not None:
        console.print(
            f"PostgreSQL bare driver: round trip {figures['postgresql_roundtrip_ms']:.3f} ms, "
            f"BEGIN+INSERT+COMMIT {figures['postgresql_commit_ms']:.3f} ms; floor "
            f"(ceiling + that write) = {figures['postgresql_start_floor_ratio']:.0%} of ceiling"
        )
    targets = figures["targets"]
    console.print(
        f"Targets: PostgreSQL start >= {TARGET_MIN:.0%} of ceiling (aim {TARGET_AIM:.0%}) "
        f"{_verdict(targets['postgresql_start_met'])}; history <= {HISTORY_MAX:g}x "
        f"{_verdict(targets['history_met'])}"
    )
    for note in figures["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    m = figures["machine"]
    console.print(
        f"[dim]{figures['date']} | {figures['revision'] or 'no git'} | {m['cpu']}, "
        f"{m['cores']} cores, load {m['load_average']} | Python {m['python']} | "
        f"SpiffWorkflow {m['spiffworkflow']} | SQLAlchemy {m['sqlalchemy']} | "
        f"PostgreSQL {m['postgresql'] or '-'} | SQLite {m['sqlite']}[/]"
    )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _verdict(met: bool | None) -> str:
    return {True: "[green]met[/]", False: "[red]not met[/]", None: "not measured"}[met]
