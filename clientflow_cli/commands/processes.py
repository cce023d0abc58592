"""``validate`` and ``deploy``: process bundles from folders, checked before anything changes."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from engine import DefinitionError, Engine
from engine._deploy import bundles_under

from ..context import open_engine
from ..errors import CliError, format_problem, problems_message

Bundle = tuple[Path, dict[str, str]]


def find_bundles(path: Path) -> list[Bundle]:
    """Each bundle with the folder it came from, so problems name files that can be opened."""
    if not path.is_dir():
        raise CliError(f"{path} is not a folder of processes")
    single = any(path.glob("*.bpmn"))
    bundles = [
        (path if single else path / name, files) for name, files in bundles_under(path).items()
    ]
    if not bundles:
        raise CliError(f"no process under {path}: expected folders holding a .bpmn file")
    return bundles


def check(engine: Engine, bundles: list[Bundle]) -> tuple[list[str], list[str]]:
    """Validate every bundle: ``(ok lines, problem lines)``; nothing is deployed."""
    ok: list[str] = []
    problems: list[str] = []
    for folder, files in bundles:
        try:
            versions = engine.validate(files)
        except DefinitionError as exc:
            problems.extend(format_problem(p, folder) for p in exc.problems)
            continue
        ok.extend(f"ok {folder}: {v.key} ({v.name})" for v in versions)
    return ok, problems


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path) -> None:
    """Validate the BPMN, DMN and forms under PATH without deploying them."""
    with open_engine() as engine:
        ok, problems = check(engine, find_bundles(path))
    for line in ok:
        click.echo(line)
    if problems:
        raise CliError(problems_message(problems, f"{path} is not valid"))


@click.command()
@click.argument("path", default="processes", type=click.Path(path_type=Path))
def deploy(path: Path) -> None:
    """Validate the processes under PATH (default processes/), then deploy every one.

    Nothing is deployed unless every bundle is valid. Unchanged content keeps its version.
    """
    with open_engine() as engine:
        bundles = find_bundles(path)
        _, problems = check(engine, bundles)
        if problems:
            raise CliError(problems_message(problems, f"nothing deployed: {path} is not valid"))
        before = {p["key"]: p["version"] for p in engine.processes()}
        deployed = _deploy_all(engine, bundles)
    for summary in deployed:
        key, version = summary["key"], summary["version"]
        state = "unchanged" if before.get(key) == version else "deployed"
        click.echo(f"{state} {key} v{version} ({summary['name']})")


def _deploy_all(engine: Engine, bundles: list[Bundle]) -> list[dict[str, object]]:
    deployed: list[dict[str, object]] = []
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("deploying", total=len(bundles))
        for folder, files in bundles:
            progress.update(task, description=f"deploying {folder}")
            deployed.extend(engine.deploy(files))
            progress.advance(task)
    return deployed


COMMANDS = (validate, deploy)
