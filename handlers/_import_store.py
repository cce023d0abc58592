"""Writing one chunk of imported contacts: dedup against the CRM and the file, then create.

A whole chunk is checked with two look-ups (phones, emails) instead of one
dedup query per row, its companies are resolved once each, and its rows are
written with :func:`crm.insert_rows` (one statement per table, history
recorded row by row), so a 500-row step is a handful of statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.base import utcnow
from crm.models import (
    Change,
    ChangeAction,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    ImportIssue,
    ImportRun,
    ImportStatus,
    IssueKind,
)

from ._csv_rows import Problem, Row


@dataclass
class Stored:
    """What one chunk did: contacts created (line, id) and duplicates found."""

    created: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """Contacts already in the CRM with the chunk's phones and emails."""

    by_phone: dict[str, int]
    by_email: dict[str, int]
    from_this_import: set[int]


def store(session: Session, rows: list[Row], instance_id: str) -> Stored:
    """Create a contact for each row that is new to the CRM and to the file so far."""
    known = _known(session, rows, instance_id)
    seen: dict[tuple[str, str], int] = {}
    stored = Stored()
    new: list[Row] = []
    for row in rows:
        duplicate = _duplicate(row, known, seen)
        if duplicate is not None:
            stored.duplicates.append(duplicate)
            continue
        for key in _keys(row):
            seen[key] = row.line
        new.append(row)
    contact_ids = _insert_contacts(session, new, _customer_ids(session, new))
    stored.created = [
        (row.line, contact_id) for row, contact_id in zip(new, contact_ids, strict=True)
    ]
    by_line = dict(stored.created)
    for duplicate in stored.duplicates:
        duplicate["contact_id"] = duplicate["contact_id"] or by_line.get(duplicate["of_line"])
    return stored


def _keys(row: Row) -> list[tuple[str, str]]:
    return [(name, value) for name, value in (("phone", row.phone), ("email", row.email)) if value]


def _duplicate(row: Row, known: Known, seen: dict[tuple[str, str], int]) -> dict[str, Any] | None:
    """Phone first, then email, as ``crm.match_customer`` decides; the CRM before the file."""
    for name, value in _keys(row):
        contact_id = (known.by_phone if name == "phone" else known.by_email).get(value)
        if contact_id is not None:
            in_file = contact_id in known.from_this_import
            where = "imported from an earlier row of this file" if in_file else "already in the CRM"
            return {
                "line": row.line,
                "reason": f"same {name} {value} as contact {contact_id}, {where}",
                "field": name,
                "value": value,
                "contact_id": contact_id,
                "in_file": in_file,
                "of_line": None,
            }
    for name, value in _keys(row):
        earlier = seen.get((name, value))
        if earlier is not None:
            return {
                "line": row.line,
                "reason": f"same {name} {value} as line {earlier}",
                "field": name,
                "value": value,
                "contact_id": None,
                "in_file": True,
                "of_line": earlier,
            }
    return None


def _known(session: Session, rows: list[Row], instance_id: str) -> Known:
    phones = sorted({row.phone for row in rows if row.phone})
    emails = sorted({row.email for row in rows if row.email})
    by_phone = _first_owner(session, ContactPhone.number, ContactPhone.contact_id, phones)
    by_email = _first_owner(session, ContactEmail.address, ContactEmail.contact_id, emails)
    ids = sorted({*by_phone.values(), *by_email.values()})
    return Known(by_phone, by_email, _created_by(session, ids, instance_id))


def _first_owner(
    session: Session, value: Any, contact_id: Any, values: list[str]
) -> dict[str, int]:
    """The oldest contact holding each value (dedup attaches to the oldest)."""
    if not values:
        return {}
    query = sa.select(value, sa.func.min(contact_id)).where(value.in_(values)).group_by(value)
    return {key: owner for key, owner in session.execute(query)}


def _created_by(session: Session, contact_ids: list[int], instance_id: str) -> set[int]:
    """Which of these contacts this instance created: the change history knows."""
    if not contact_ids:
        return set()
    query = sa.select(Change.row_id).where(
        Change.table_name == Contact.__tablename__,
        Change.action == ChangeAction.INSERT,
        Change.instance_id == instance_id,
        Change.row_id.in_([str(i) for i in contact_ids]),
    )
    return {int(row_id) for row_id in session.scalars(query)}


def _customer_ids(session: Session, rows: list[Row]) -> list[int]:
    """Each row's customer: its company's (exact key, else a similar name, else new), or,
    without a company, a new customer named after the person."""
    companies = {crm.company_key(row.company): row.company for row in reversed(rows) if row.company}
    found: dict[str, int] = {}
    if companies:
        query = (
            sa.select(Customer.name_key, Customer.id)
            .where(Customer.name_key.in_(list(companies)))
            .order_by(Customer.id)
        )
        for key, customer_id in session.execute(query):
            found.setdefault(key, customer_id)
    missing: list[str] = []
    for key, name in companies.items():
        if key not in found:
            match = crm.match_customer(session, company=name)
            if match is not None:
                found[key] = match.customer_id
            else:
                missing.append(key)
    people = [_full_name(row) for row in rows if not row.company]
    names = [companies[key] for key in missing] + people
    ids = crm.insert_rows(
        session, Customer, [{"name": name, "name_key": crm.company_key(name)} for name in names]
    )
    found.update(zip(missing, ids, strict=False))
    for_people = iter(ids[len(missing) :])
    return [
        found[crm.company_key(row.company)] if row.company else next(for_people) for row in rows
    ]


def _insert_contacts(session: Session, rows: list[Row], customer_ids: list[int]) -> list[int]:
    """The contacts with their phone and email, in three statements (plus their history)."""
    contact_ids = crm.insert_rows(
        session,
        Contact,
        [
            {
                "customer_id": customer_id,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "title": row.title,
            }
            for row, customer_id in zip(rows, customer_ids, strict=True)
        ],
    )
    pairs = list(zip(rows, contact_ids, strict=True))
    crm.insert_rows(
        session,
        ContactPhone,
        [
            {"contact_id": i, "number": row.phone, "is_primary": True}
            for row, i in pairs
            if row.phone
        ],
    )
    crm.insert_rows(
        session,
        ContactEmail,
        [
            {"contact_id": i, "address": row.email, "is_primary": True}
            for row, i in pairs
            if row.email
        ],
    )
    return contact_ids


def _full_name(row: Row) -> str:
    return " ".join(part for part in (row.first_name, row.last_name) if part)[:200]


def record_chunk(
    session: Session,
    instance_id: str,
    file_name: str,
    total_rows: int | None,
    rows: int,
    stored: Stored,
    problems: list[Problem],
    *,
    done: bool,
) -> int:
    """Add the chunk to the import's run record (made by the first chunk) and keep its issues."""
    query = sa.select(ImportRun).where(ImportRun.instance_id == instance_id)
    run = session.scalars(query).first()
    if run is None:
        run = ImportRun(instance_id=instance_id, file_name=file_name[:255], rows_total=total_rows)
        session.add(run)
        session.flush()
    run.rows_done += rows
    run.imported += len(stored.created)
    run.bad += len(problems)
    run.duplicates += len(stored.duplicates)
    if done:
        run.status = ImportStatus.COMPLETED
        run.finished_at = utcnow()
    issues = [
        {"import_run_id": run.id, "line": p.line, "kind": IssueKind.BAD, "reason": p.reason}
        for p in problems
    ] + [
        {
            "import_run_id": run.id,
            "line": d["line"],
            "kind": IssueKind.DUPLICATE,
            "reason": d["reason"],
            "contact_id": d["contact_id"],
            "of_line": d["of_line"],
        }
        for d in stored.duplicates
    ]
    crm.insert_rows(session, ImportIssue, sorted(issues, key=lambda issue: issue["line"]))
    return run.id
