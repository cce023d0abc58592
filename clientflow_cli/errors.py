"""How the CLI reports failures: one readable message and exit status 1, never a traceback.

Every command runs inside :class:`ClientflowGroup`, which turns the engine's
errors and database failures into :class:`CliError`, so a command only raises
and never formats exceptions itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from engine import DefinitionError, EngineError, Problem


class CliError(click.ClickException):
    """A failure the user can act on: printed as ``Error: message`` on stderr, exit 1."""


def format_problem(problem: Problem, folder: Path | None = None) -> str:
    """``file:line element: message``, with the file under ``folder`` so it can be opened."""
    where = problem.file or ""
    if folder is not None:
        where = str(folder / problem.file) if problem.file else str(folder)
    if where and problem.line:
        where = f"{where}:{problem.line}"
    head = " ".join(part for part in (where, problem.element_id or "") if part)
    return f"{head}: {problem.message}" if head else problem.message


def problems_message(problems: Iterable[str], what: str) -> str:
    """One header line, then each problem on its own line."""
    lines = list(problems)
    return "\n".join([f"{what} ({len(lines)} problem(s)):", *(f"  {line}" for line in lines)])


def database_message(exc: sa.exc.DBAPIError) -> str:
    """Say what failed and the two usual causes, instead of SQLAlchemy's long dump."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return (
        f"database error: {reason}\n"
        "Check CLIENTFLOW_DATABASE_URL, and create the schema first: "
        "`clientflow init-db` (embedded) or `clientflow migrate` (production)."
    )


class ClientflowGroup(click.Group):
    """A click group that maps the engine's and the database's errors to :class:`CliError`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DefinitionError as exc:
            lines = (format_problem(p) for p in exc.problems)
            raise CliError(problems_message(lines, "invalid process definition")) from exc
        except EngineError as exc:
            raise CliError(exc.message) from exc
        except sa.exc.DBAPIError as exc:
            raise CliError(database_message(exc)) from exc
