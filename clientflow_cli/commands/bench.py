"""``bench``: run the benchmark suites of ``benchmarks/`` (figures, not tests)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import CliError


@click.command()
@click.argument("suite", required=False)
@click.option("--json", "json_output", is_flag=True, help="Print exactly one JSON object.")
@click.option("--quick", is_flag=True, help="Smaller sizes, for a smoke run.")
def bench(suite: str | None, json_output: bool, quick: bool) -> None:
    """Run benchmark SUITE, or every suite when none is named.

    With --json a named suite prints its figures as one object; all suites print
    one object keyed by suite name.
    """
    try:
        from benchmarks import SUITES
    except ImportError as exc:
        raise CliError(f"the benchmarks are not installed here: {exc}") from exc
    if suite is not None and suite not in SUITES:
        raise CliError(f"unknown suite '{suite}'; choose from: {', '.join(sorted(SUITES))}")
    names = [suite] if suite is not None else list(SUITES)
    results: dict[str, Any] = {
        name: SUITES[name](json_output=json_output, quick=quick) for name in names
    }
    if json_output:
        figures = results[suite] if suite is not None else results
        click.echo(json.dumps(figures, sort_keys=True, default=str))


COMMANDS = (bench,)
