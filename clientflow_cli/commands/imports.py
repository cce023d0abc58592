"""``import contacts``: bulk contacts enter the CRM through a process, one instance per file.

The rows are validated and deduplicated by the ``contact_import`` process's
service task; this command only drives it (``handlers.import_contacts_file``),
shows a progress bar on stderr, and prints the summary, every bad row and
every duplicate (line and reason) on stdout. Rows that were reported are not
an error: the command exits 0 once the file has been through the process, and
1 (with one readable line) when the file cannot be imported at all.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from handlers import ContactImportError, ImportReport, import_contacts_file
from handlers.imports import CHUNK_ROWS, MAX_CHUNK_ROWS, PROCESS, RowIssue, check_header

from ..context import open_engine
from ..errors import CliError


@click.group(name="import")
def import_() -> None:
    """Import records in bulk, through a process like any other CRM change."""


@import_.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--user",
    default=None,
    help="Who imports, recorded on every contact's history (default: CLIENTFLOW_USER or login).",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(1, MAX_CHUNK_ROWS),
    default=CHUNK_ROWS,
    show_default=True,
    help="Rows per step (one transaction each).",
)
def contacts(file: Path, user: str | None, chunk_rows: int) -> None:
    """Import contacts from FILE.csv (columns first_name, last_name, title, company, phone, email).

    Each row is validated (phone to E.164, email lower-cased) and matched against
    the CRM and the rest of the file: bad rows and duplicates are listed with their
    line and reason, and never imported.
    """
    _check_readable(file)
    try:
        check_header(file)  # before the progress bar, so a bad file prints only the error
    except ContactImportError as error:
        raise CliError(str(error)) from error
    who = user or os.environ.get("CLIENTFLOW_USER") or getpass.getuser()
    progress = _progress()
    bar = progress.add_task(f"importing {file.name}", total=None)

    def advance(done: int, total: int) -> None:
        progress.start()  # on the first chunk: an error before it prints no empty bar
        progress.update(bar, completed=done, total=total)

    with open_engine() as engine:
        try:
            report = import_contacts_file(engine, file, advance, user=who, chunk_rows=chunk_rows)
        except ContactImportError as error:
            raise CliError(str(error)) from error
        finally:
            if progress.live.is_started:
                progress.stop()
    _print_report(report)


def _check_readable(file: Path) -> None:
    if not file.exists():
        raise CliError(f"{file}: no such file")
    if not file.is_file():
        raise CliError(f"{file}: not a file")
    if file.suffix.lower() != ".csv":
        raise CliError(f"{file}: expected a .csv file")
    if not os.access(file, os.R_OK):
        raise CliError(f"{file}: cannot read the file (permission denied)")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _print_report(report: ImportReport) -> None:
    click.echo(
        f"{Path(report.path).name}: {report.rows} rows, {report.created} imported, "
        f"{len(report.errors)} bad, {len(report.duplicates)} duplicates "
        f"in {report.seconds:.1f} s ({PROCESS} instance {report.instance_id})"
    )
    if report.import_run_id is not None:
        click.echo(f"the report is kept as import run {report.import_run_id}")
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")
    _print_issues("bad rows (not imported)", report.errors)
    _print_issues("duplicates (not imported)", report.duplicates)


def _print_issues(title: str, issues: list[RowIssue]) -> None:
    if not issues:
        return
    click.echo(f"{title}: {len(issues)}")
    for issue in issues:
        click.echo(f"  line {issue.line}: {issue.reason}")


COMMANDS = (import_,)
