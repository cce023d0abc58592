"""Bulk import of contacts from CSV, through a process like any other CRM change.

One file is one ``contact_import`` instance. :func:`import_contacts_file`
starts it and then feeds the file to it in chunks, one BPMN message per chunk,
so each chunk is one step in one bounded transaction; the instance's service
task ``crm.import_contacts`` reads just that chunk, validates its rows and
creates the contacts that are new to the CRM and to the file.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from marshmallow import ValidationError, fields, validate, validates_schema

from engine import NotFound, OperatorError, StepContext

from ._csv_rows import CsvLayoutError, Header, Problem, Record, parse_row, read_header, records
from ._import_store import record_chunk, store
from ._params import Params, bad, load

if TYPE_CHECKING:
    from engine import Engine

PROCESS = "contact_import"
CHUNK_MESSAGE = "contact_import.chunk"
CHUNK_ROWS = 500
MAX_CHUNK_ROWS = 5_000

Progress = Callable[[int, int], None]


class ContactImportError(Exception):
    """The file cannot be imported, or its instance stopped on an incident."""


class ImportContactsParams(Params):
    path = fields.String(allow_none=True, validate=validate.Length(min=1))
    content = fields.String(allow_none=True)
    offset = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    line = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    limit = fields.Integer(
        load_default=CHUNK_ROWS, strict=True, validate=validate.Range(1, MAX_CHUNK_ROWS)
    )
    file_name = fields.String(allow_none=True, validate=validate.Length(1, 255))
    total_rows = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("path") is None) == (data.get("content") is None):
            raise ValidationError("give either path or content", "path")


def import_contacts(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Import up to ``limit`` CSV rows from byte ``offset`` (0: the first row after the header).

    ``path`` names a CSV file the worker can read; ``content`` carries a small
    file inline. ``line`` is the line number at ``offset``. Bad rows and
    duplicates are reported, never imported; ``next_offset``/``next_line`` say
    where the next chunk starts.
    """
    p = load(ImportContactsParams(), params)
    with _source(p) as stream:
        header = _header(stream)
        offset, line = p["offset"], p.get("line")
        if offset == 0:
            offset, line = header.data_offset, header.data_line
        elif line is None:
            raise bad("line", "required with a non-zero offset (the line number found there)")
        chunk, following = _take(stream, offset, line, p["limit"])
    parsed = [parse_row(record, header) for record in chunk]
    stored = store(ctx.session, [r for r in parsed if not isinstance(r, Problem)], ctx.instance_id)
    problems = [r for r in parsed if isinstance(r, Problem)]
    run_id = record_chunk(
        ctx.session, ctx.instance_id, _file_name(p), p.get("total_rows"), len(chunk), stored,
        problems, done=following is None,
    )  # fmt: skip
    return {
        "import_run_id": run_id,
        "rows": len(chunk),
        "created": len(stored.created),
        "contacts": [list(pair) for pair in stored.created],
        "errors": [{"line": r.line, "reason": r.reason} for r in problems],
        "duplicates": stored.duplicates,
        "ignored_columns": header.ignored,
        "next_offset": following.offset if following else None,
        "next_line": following.line if following else None,
        "done": following is None,
    }


def _file_name(p: dict[str, Any]) -> str:
    if p.get("file_name"):
        return str(p["file_name"])
    return Path(p["path"]).name if p.get("path") else "inline.csv"


@contextmanager
def _source(p: dict[str, Any]) -> Iterator[BinaryIO]:
    if p.get("content") is not None:
        yield io.BytesIO(p["content"].encode("utf-8"))
        return
    path = Path(p["path"])
    if path.suffix.lower() != ".csv" or not path.is_file():
        raise bad("path", f"{path} is not a .csv file the worker can read")
    with path.open("rb") as stream:
        yield stream


def _header(stream: BinaryIO) -> Header:
    try:
        return read_header(stream)
    except CsvLayoutError as error:
        raise OperatorError(str(error)) from error


def _take(
    stream: BinaryIO, offset: int, line: int, limit: int
) -> tuple[list[Record], Record | None]:
    """Up to ``limit`` records, and the record after them (where the next chunk starts)."""
    reader = records(stream, offset, line)
    chunk = [record for _, record in zip(range(limit), reader, strict=False)]
    return chunk, next(reader, None)


OPERATORS = (("crm.import_contacts", import_contacts),)


# -- the driver: one instance per file, one message per chunk ---------------------------------


@dataclass(frozen=True)
class RowIssue:
    """A row that was not imported: its line, why, and the contact it duplicates."""

    line: int
    reason: str
    contact_id: int | None = None
    of_line: int | None = None


@dataclass
class ImportReport:
    """What an import did; ``errors`` and ``duplicates`` are in file order."""

    path: str
    instance_id: str
    import_run_id: int | None = None
    rows: int = 0
    created: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    duplicates: list[RowIssue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _lines: dict[int, int] = field(default_factory=dict, init=False, repr=False)  # id -> line

    @property
    def ok(self) -> bool:
        """Every row was imported: none was bad or a duplicate."""
        return not self.errors and not self.duplicates

    def add(self, chunk: dict[str, Any]) -> None:
        """Fold one chunk's result in, naming the line a cross-chunk duplicate repeats."""
        self.import_run_id = chunk.get("import_run_id", self.import_run_id)
        self.rows += chunk["rows"]
        self.created += chunk["created"]
        self.ignored_columns = chunk["ignored_columns"]
        self._lines.update((contact_id, line) for line, contact_id in chunk["contacts"])
        self.errors.extend(RowIssue(e["line"], e["reason"]) for e in chunk["errors"])
        self.duplicates.extend(self._duplicate(d) for d in chunk["duplicates"])

    def _duplicate(self, dup: dict[str, Any]) -> RowIssue:
        """A row repeating an earlier chunk's row is told by that row's line, like in a chunk."""
        contact_id, of_line, reason = dup["contact_id"], dup["of_line"], dup["reason"]
        if of_line is None and dup["in_file"] and contact_id in self._lines:
            of_line = self._lines[contact_id]
            reason = f"same {dup['field']} {dup['value']} as line {of_line} (contact {contact_id})"
        return RowIssue(dup["line"], reason, contact_id, of_line)


@dataclass(frozen=True)
class Plan:
    """Where each chunk of a file starts (offset, line) and how many rows it has in all."""

    starts: list[tuple[int, int]]
    rows: int
    ignored_columns: list[str]


def plan_chunks(path: Path, chunk_rows: int = CHUNK_ROWS) -> Plan:
    """Scan the file once for its layout, row count and chunk starts."""
    try:
        with path.open("rb") as stream:
            header = read_header(stream)
            starts, rows = [], 0
            for record in records(stream, header.data_offset, header.data_line):
                if rows % chunk_rows == 0:
                    starts.append((record.offset, record.line))
                rows += 1
    except CsvLayoutError as error:
        raise ContactImportError(f"{path}: {error}") from error
    except OSError as error:
        raise ContactImportError(f"{path}: cannot read the file: {error.strerror}") from error
    return Plan(starts or [(header.data_offset, header.data_line)], rows, header.ignored)


def check_header(path: Path) -> list[str]:
    """Read just the header: the columns it ignores, or why the file cannot be imported."""
    try:
        with path.open("rb") as stream:
            return read_header(stream).ignored
    except CsvLayoutError as error:
        raise ContactImportError(f"{path}: {error}") from error
    except OSError as error:
        raise ContactImportError(f"{path}: cannot read the file: {error.strerror}") from error


def import_contacts_file(
    engine: Engine,
    path: str | Path,
    progress: Progress | None = None,
    *,
    user: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import a contacts CSV through one ``contact_import`` instance, chunk by chunk.

    Args:
        engine: the engine, with ``handlers`` registered and the process deployed.
        path: the CSV file (columns first_name, last_name, title, company, phone, email).
        progress: called with (rows done, rows in the file) after each chunk.
        user: who imports, recorded on every contact's history.
        chunk_rows: rows per step, bounding each step's transaction.

    Raises:
        ContactImportError: the file is unreadable or has no usable header, the
            process is not deployed, or a chunk stopped on an incident.
    """
    started = time.perf_counter()
    file = Path(path).resolve()
    if not 1 <= chunk_rows <= MAX_CHUNK_ROWS:
        raise ValueError(f"chunk_rows must be between 1 and {MAX_CHUNK_ROWS}, got {chunk_rows}")
    plan = plan_chunks(file, chunk_rows)
    import_id = uuid.uuid4().hex
    instance = _start(engine, file, import_id, plan, user)
    report = ImportReport(str(file), instance["id"], ignored_columns=plan.ignored_columns)
    if progress is not None:
        progress(0, plan.rows)
    for index, (offset, line) in enumerate(plan.starts):
        payload = {
            "offset": offset,
            "line": line,
            "limit": chunk_rows,
            "last": index == len(plan.starts) - 1,
        }
        outcome = engine.send_message(CHUNK_MESSAGE, {"import_id": import_id}, payload, user)
        report.add(_chunk_result(outcome, report.instance_id))
        if progress is not None:
            progress(report.rows, plan.rows)
    report.seconds = time.perf_counter() - started
    return report


def _start(
    engine: Engine, file: Path, import_id: str, plan: Plan, user: str | None
) -> dict[str, Any]:
    data = {
        "import_id": import_id,
        "business_key": f"{file.name}#{import_id[:8]}",
        "path": str(file),
        "file_name": file.name,
        "total_rows": plan.rows,
    }
    try:
        instance = engine.start(PROCESS, data, user)
    except NotFound as error:
        raise ContactImportError(
            f"{error.message}: deploy processes/{PROCESS} before importing"
        ) from error
    if instance["status"] != "running":
        raise ContactImportError(_stopped(instance))
    return instance


def _chunk_result(outcome: dict[str, Any], instance_id: str) -> dict[str, Any]:
    instance = outcome.get("instance")
    if outcome["outcome"] != "delivered" or instance is None:
        raise ContactImportError(f"import instance {instance_id} no longer waits for rows")
    if instance["status"] not in ("running", "completed"):
        raise ContactImportError(_stopped(instance))
    chunk: dict[str, Any] = instance["data"]["chunk"]
    return chunk


def _stopped(instance: dict[str, Any]) -> str:
    why = instance.get("incident") or instance["status"]
    return f"import instance {instance['id']} stopped: {why}; fix it and retry it, or cancel it"
