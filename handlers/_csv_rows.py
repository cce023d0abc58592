"""Reading a contacts CSV in chunks by byte offset, and validating each row.

No database here. A chunk starts at a byte offset (with the line number found
there), so each step of an import reads only its own rows however large the
file is. Each record keeps the line it starts on, for reports people can act on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from crm import InvalidEmailError, InvalidPhoneError, normalise_email, normalise_phone

COLUMNS = ("first_name", "last_name", "title", "company", "phone", "email")
ALIASES = {
    "firstname": "first_name",
    "given_name": "first_name",
    "name": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "job_title": "title",
    "position": "title",
    "company_name": "company",
    "organisation": "company",
    "organization": "company",
    "account": "company",
    "phone_number": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "e_mail": "email",
    "email_address": "email",
}
MAX_LENGTH = {"first_name": 100, "last_name": 100, "title": 100, "company": 200}
BAD_TEXT = "\ufffd"  # what undecodable bytes become


class CsvLayoutError(ValueError):
    """The file cannot be imported at all (no header, missing or repeated columns)."""


@dataclass(frozen=True)
class Record:
    """One CSV record: the line it starts on, its byte offset, its fields (or why unreadable)."""

    line: int
    offset: int
    fields: list[str]
    error: str | None = None


@dataclass(frozen=True)
class Header:
    """Which field holds which contact column, and where the data rows start."""

    columns: dict[str, int]
    width: int
    ignored: list[str]
    data_offset: int
    data_line: int


@dataclass(frozen=True)
class Row:
    """A valid row, with its phone in E.164 and its email lower-cased."""

    line: int
    first_name: str
    last_name: str | None
    title: str | None
    company: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


def records(stream: BinaryIO, offset: int = 0, line: int = 1) -> Iterator[Record]:
    """The non-blank records from ``offset`` on; ``line`` is the line number at ``offset``.

    ``csv.reader`` pulls exactly the lines of one record, so counting the bytes
    it has pulled gives each record's offset, even with newlines inside quotes.
    """
    stream.seek(offset)
    position, consumed = offset, 0

    def lines() -> Iterator[str]:
        nonlocal position, consumed
        for raw in stream:
            text = raw.decode("utf-8", errors="replace")
            if position == 0:
                text = text.removeprefix("\ufeff")
            position += len(raw)
            consumed += 1
            yield text

    reader = csv.reader(lines())
    while True:
        start, start_line = position, line + consumed
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(start_line, start, [], f"is not valid CSV: {error}")
            continue
        if any(field.strip() for field in fields):
            yield Record(start_line, start, fields)


def read_header(stream: BinaryIO) -> Header:
    """The header record, mapped to contact columns (case, spaces and aliases forgiven)."""
    first = next(records(stream), None)
    if first is None or first.error:
        raise CsvLayoutError("the file has no header row (expected columns: " + _expected() + ")")
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(first.fields):
        key = _column(name)
        if key is None:
            ignored.append(name.strip())
        elif key in columns:
            raise CsvLayoutError(f"column {key!r} appears twice in the header")
        else:
            columns[key] = index
    if "first_name" not in columns:
        raise CsvLayoutError(f"the header has no first_name column (expected: {_expected()})")
    if "phone" not in columns and "email" not in columns:
        raise CsvLayoutError("the header has neither a phone nor an email column")
    data_offset, data_line = _after_header(stream, first)
    return Header(columns, len(first.fields), ignored, data_offset, data_line)


def _after_header(stream: BinaryIO, header: Record) -> tuple[int, int]:
    """Offset and line right after the header record."""
    reader = records(stream, header.offset, header.line)
    next(reader)
    following = next(reader, None)
    if following is not None:
        return following.offset, following.line
    stream.seek(0, 2)
    return stream.tell(), header.line + 1


def _column(name: str) -> str | None:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    return key if key in COLUMNS else None


def _expected() -> str:
    return ", ".join(COLUMNS)


def parse_row(record: Record, header: Header) -> Row | Problem:
    """The row's values normalised, or every reason it cannot be imported."""
    if record.error:
        return Problem(record.line, record.error)
    if len(record.fields) != header.width:
        count = len(record.fields)
        reason = f"has {count} field{'' if count == 1 else 's'}, the header has {header.width}"
        return Problem(record.line, reason)
    if any(BAD_TEXT in field for field in record.fields):
        return Problem(record.line, "is not valid UTF-8 text")
    values = {key: record.fields[i].strip() or None for key, i in header.columns.items()}
    reasons = _length_problems(values)
    if not values.get("first_name"):
        reasons.insert(0, "first_name is empty")
    phone, email = values.get("phone"), values.get("email")
    try:
        phone = normalise_phone(phone) if phone else None
    except InvalidPhoneError as error:
        reasons.append(f"phone: {error}")
    try:
        email = normalise_email(email) if email else None
    except InvalidEmailError as error:
        reasons.append(f"email: {error}")
    if not values.get("phone") and not values.get("email"):
        reasons.append("needs a phone or an email to tell the contact apart from others")
    if reasons:
        return Problem(record.line, "; ".join(reasons))
    return Row(
        line=record.line,
        first_name=str(values["first_name"]),
        last_name=values.get("last_name"),
        title=values.get("title"),
        company=values.get("company"),
        phone=phone,
        email=email,
    )


def _length_problems(values: dict[str, str | None]) -> list[str]:
    return [
        f"{key} is longer than {limit} characters"
        for key, limit in MAX_LENGTH.items()
        if len(values.get(key) or "") > limit
    ]
