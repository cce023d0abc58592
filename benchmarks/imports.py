"""Import benchmark: a 10,000-row contacts CSV through the ``contact_import`` process.

The file has 5% bad rows (bad phone, bad email, no name) and 3% duplicates
(half of contacts already in the CRM, half of earlier rows). It is imported
with :func:`handlers.import_contacts_file` (what ``clientflow import contacts``
runs) on SQLite and, when ``CLIENTFLOW_TEST_DATABASE_URL`` is set, on
PostgreSQL, each on fresh tables with the connection guard installed as in
production. The time covers the whole import: the scan of the file, the start
of the instance and every chunk step, committed.

Run ``python -m benchmarks.imports [--json] [--quick]`` or ``clientflow bench imports``.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console

import crm
import handlers
from crm.models import Contact, ContactEmail, ContactPhone, Customer
from engine import Engine

from . import _standalone
from ._targets import PG_ENV, code_revision, load_average, machine, schema_url, server_version

PROCESS = Path(__file__).resolve().parents[1] / "processes" / "contact_import"
HEADER = "first_name,last_name,title,company,phone,email\n"


@dataclass(frozen=True)
class SeedStep:
    """Step info for seeding the contacts the file repeats (the CRM refuses writes outside)."""

    instance_id: str = "bench-seed"
    task_id: str = "bench-seed"
    user: str | None = "bench"


def write_file(path: Path, rows: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write the CSV; returns the (phone, email) of the contacts to seed first."""
    rng = random.Random(seed)
    bad, dup = rows * 5 // 100, rows * 3 // 100
    kinds = ["bad"] * bad + ["dup"] * dup + ["good"] * (rows - bad - dup)
    rng.shuffle(kinds)
    kinds.insert(0, kinds.pop(kinds.index("good")))
    existing = [(f"+7921{i:07d}", f"old{i}@crm.example") for i in range(dup // 2)]
    phones: list[str] = []
    companies = [f"Company {i} LLC" for i in range(300)]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for index, kind in enumerate(kinds):
            phone = f"8 912 {index // 10000:03d} {index // 100 % 100:02d} {index % 100:02d}"
            email = f"person{index}@mail.example"
            company = rng.choice(companies) if rng.random() < 0.7 else ""
            if kind == "bad":
                phone = ("+7 912 12", phone, phone)[index % 3]
                email = (email, "no-at-sign", email)[index % 3]
                name = ("Bad", "Bad", "")[index % 3]
            elif kind == "dup":
                name = "Twin"
                phone = existing[index % len(existing)][0] if index % 2 else rng.choice(phones)
                email = ""
            else:
                name = f"Name{index}"
                phones.append(phone)
            out.write(f"{name},Surname{index},,{company},{phone},{email}\n")
    return existing


def prepare(url: str, existing: list[tuple[str, str]]) -> Engine:
    """Engine and CRM tables, handlers registered, the import process deployed, CRM seeded."""
    engine = handlers.build_engine(url)
    engine.create_schema()
    crm.metadata.create_all(engine.db.engine)
    engine.deploy({p.name: p.read_text(encoding="utf-8") for p in PROCESS.glob("*.bpmn")})
    with engine.db.session() as session:
        session.info[crm.STEP_KEY] = SeedStep()
        for n, (phone, email) in enumerate(existing):
            session.add(
                Contact(
                    customer=Customer(name=f"Old {n} Ltd"),
                    first_name=f"Old{n}",
                    phones=[ContactPhone(number=phone)],
                    emails=[ContactEmail(address=email)],
                )
            )
        session.flush()
        session.info.pop(crm.STEP_KEY)
    return engine


@contextmanager
def postgresql_url(url: str) -> Iterator[str]:
    """A fresh schema on the server at ``url``, dropped afterwards."""
    schema = f"bench_import_{os.getpid()}_{int(time.time())}"
    admin = sa.create_engine(schema_url(url, "public"))
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            yield schema_url(url, schema)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    finally:
        admin.dispose()


def measure(label: str, url: str, path: Path, existing: list[tuple[str, str]]) -> dict[str, Any]:
    engine = prepare(url, existing)
    try:
        started = time.perf_counter()
        report = handlers.import_contacts_file(engine, path, user="bench")
        seconds = time.perf_counter() - started
        version = server_version(engine) if label == "postgresql" else None
    finally:
        engine.db.dispose()
    return {
        f"{label}_import_s": round(seconds, 2),
        f"{label}_rows_per_s": round(report.rows / seconds, 1),
        f"{label}_created": report.created,
        f"{label}_bad": len(report.errors),
        f"{label}_duplicates": len(report.duplicates),
        f"{label}_version": version,
    }


def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """Import the file on SQLite and PostgreSQL; figures as one flat dict."""
    rows = 2_000 if quick else 10_000
    console = Console(stderr=json_output)
    pg_url = os.environ.get(PG_ENV)
    load = load_average()
    notes: list[str] = []
    if not pg_url:
        notes.append(f"{PG_ENV} is not set: PostgreSQL figures are null")
    figures: dict[str, Any] = {"rows": rows, "bad_pct": 5, "duplicate_pct": 3}
    figures.update(dict.fromkeys(("postgresql_import_s", "postgresql_rows_per_s")))
    with tempfile.TemporaryDirectory(prefix="clientflow-bench-import-") as folder:
        path = Path(folder) / "contacts.csv"
        existing = write_file(path, rows)
        if not json_output:
            console.print(f"importing {rows:,} rows on SQLite ...")
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        figures.update(measure("sqlite", sqlite_url, path, existing))
        figures.pop("sqlite_version")
        postgresql = None
        if pg_url:
            if not json_output:
                console.print(f"importing {rows:,} rows on PostgreSQL ...")
            with postgresql_url(pg_url) as url:
                figures.update(measure("postgresql", url, path, existing))
            postgresql = figures.pop("postgresql_version")
    figures.update(
        machine=machine(postgresql, load),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        revision=code_revision(),
        notes=notes,
    )
    if not json_output:
        _print(console, figures)
    return figures


def _print(console: Console, figures: dict[str, Any]) -> None:
    for label in ("sqlite", "postgresql"):
        seconds = figures.get(f"{label}_import_s")
        if seconds is None:
            continue
        console.print(
            f"{label}: {figures['rows']:,} rows in {seconds:.1f} s "
            f"({figures[f'{label}_rows_per_s']:,.0f} rows/s): {figures[f'{label}_created']:,} "
            f"imported, {figures[f'{label}_bad']} bad, {figures[f'{label}_duplicates']} duplicates"
        )
    for note in figures["notes"]:
        console.print(f"note: {note}")


if __name__ == "__main__":
    raise SystemExit(_standalone.main(run, __doc__, "2,000 rows instead of 10,000"))
