"""``clientflow import contacts``: a 10,000-row file through the contact_import process.

Run in-process with click's CliRunner on a real database (SQLite, and PostgreSQL
when configured), the way a user runs it after ``init-db`` and ``deploy``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from clientflow_cli.main import cli
from crm.models import Change, Contact, ContactEmail, ContactPhone, Customer, ImportIssue, ImportRun
from engine import Engine
from tests.handlers.conftest import seeding
from tests.handlers.contact_csv import Existing, write_contact_file

ROOT = Path(__file__).parents[2]
ISSUE = re.compile(r"^  line (\d+): (.+)$")


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", db_url)
    monkeypatch.delenv("CLIENTFLOW_BROKER_URL", raising=False)
    return db_url


@pytest.fixture
def db(url: str) -> Iterator[Engine]:
    """A database with the schema and the contact_import process, as a user would have it."""
    _ok(_run("init-db"))
    _ok(_run("deploy", str(ROOT / "processes" / "contact_import")))
    engine = Engine(url)
    yield engine
    engine.db.dispose()


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _failed(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")
    return result.stderr


def _section(output: str, title: str) -> dict[int, str]:
    """``line -> reason`` of the listed rows under the heading that starts with ``title``."""
    lines = output.splitlines()
    starts = [i for i, text in enumerate(lines) if text.startswith(title)]
    if not starts:
        return {}
    found: dict[int, str] = {}
    for text in lines[starts[0] + 1 :]:
        match = ISSUE.match(text)
        if match is None:
            break
        found[int(match[1])] = match[2]
    return found


def _seed(engine: Engine, existing: list[Existing]) -> None:
    with seeding(engine) as session:
        for old in existing:
            session.add(
                Contact(
                    customer=Customer(name=f"{old.first_name} Ltd"),
                    first_name=old.first_name,
                    phones=[ContactPhone(number=old.phone)],
                    emails=[ContactEmail(address=old.email)],
                )
            )


def test_import_of_10000_rows_lands_the_good_reports_the_bad_and_makes_no_twin(
    db: Engine, tmp_path: Path
) -> None:
    file = write_contact_file(tmp_path / "contacts.csv", rows=10_000, bad_pct=5, dup_pct=3)
    _seed(db, file.existing)

    result = _ok(_run("import", "contacts", str(file.path), "--user", "vera"))

    out = result.stdout
    assert f"10000 rows, {file.good} imported, 500 bad, 300 duplicates" in out
    assert "ignored columns: Notes" in out
    bad = _section(out, "bad rows")
    assert bad.keys() == file.bad.keys()
    assert all(file.bad[line] in reason for line, reason in bad.items())
    duplicates = _section(out, "duplicates")
    assert duplicates.keys() == file.duplicates.keys()
    for line, of_line in file.duplicates.items():
        expected = f"as line {of_line}" if of_line is not None else "already in the CRM"
        assert expected in duplicates[line], (line, duplicates[line])
    with db.session() as session:
        for column in (ContactPhone.number, ContactEmail.address):
            twins = session.execute(
                sa.select(column).group_by(column).having(sa.func.count() > 1)
            ).all()
            assert twins == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == (
            len(file.existing) + file.good
        )
        users = session.scalars(
            sa.select(Change.username)
            .where(Change.table_name == "crm_contact", Change.instance_id != "seed")
            .distinct()
        ).all()
        assert users == ["vera"]
        run = session.scalars(sa.select(ImportRun)).one()
        assert f"the report is kept as import run {run.id}" in out
        assert (run.file_name, run.rows_total, run.rows_done, run.status) == (
            "contacts.csv",
            10_000,
            10_000,
            "completed",
        )
        assert (run.imported, run.bad, run.duplicates) == (file.good, 500, 300)
        kept = dict(session.execute(sa.select(ImportIssue.line, ImportIssue.kind)).all())
        assert {line for line, kind in kept.items() if kind == "bad"} == file.bad.keys()
        assert {line for line, kind in kept.items() if kind == "duplicate"} == (
            file.duplicates.keys()
        )


def test_a_missing_file_is_a_readable_error(db: Engine, tmp_path: Path) -> None:
    error = _failed(_run("import", "contacts", str(tmp_path / "nowhere.csv")))

    assert "nowhere.csv: no such file" in error


def test_a_folder_or_another_kind_of_file_is_refused(db: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    sheet = tmp_path / "people.xlsx"
    sheet.write_bytes(b"PK\x03\x04")

    assert "folder.csv: not a file" in _failed(_run("import", "contacts", str(folder)))
    assert "expected a .csv file" in _failed(_run("import", "contacts", str(sheet)))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("surname,phone\nPetrov,+79123456789\n", "the header has no first_name column"),
        ("first_name,title\nIvan,CEO\n", "the header has neither a phone nor an email column"),
        ("", "the file has no header row"),
        ("first_name,phone,Phone\nIvan,1,2\n", "column 'phone' appears twice in the header"),
    ],
)
def test_a_wrong_header_is_a_readable_error_and_imports_nothing(
    db: Engine, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(content)

    assert expected in _failed(_run("import", "contacts", str(path)))
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0


def test_without_the_process_deployed_it_says_what_to_do(url: str, tmp_path: Path) -> None:
    _ok(_run("init-db"))
    path = tmp_path / "people.csv"
    path.write_text("first_name,phone\nIvan,+79123456789\n")

    assert "deploy processes/contact_import" in _failed(_run("import", "contacts", str(path)))


def test_a_clean_file_prints_only_the_summary(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("first_name,phone,email\nIvan,8 912 345 67 89,Ivan.Petrov@Example.COM\n")

    out = _ok(_run("import", "contacts", str(path))).stdout

    assert "1 rows, 1 imported, 0 bad, 0 duplicates" in out
    assert "bad rows" not in out and "duplicates (" not in out
