"""crm.import_contacts and import_contacts_file: bulk contacts enter through one process a file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from lxml import etree

import crm
from crm.models import (
    Change,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    ImportIssue,
    ImportRun,
)
from engine import Engine
from handlers import ContactImportError, import_contacts_file

from .conftest import USER, assert_recorded, count, incident, result, run, seeding
from .contact_csv import write_contact_file
from .seeds import seed_contact, seed_customer

PROCESS = Path(__file__).parents[2] / "processes" / "contact_import"
SMALL = (
    "first_name,phone,email,company\n"
    "Anna,8 912 345 67 89,anna@vega.example,Vega LLC\n"  # line 2: new, at the known company
    "Boris,12345,,\n"  # line 3: bad phone
    "Anna,+7 (912) 345-67-89,,\n"  # line 4: same phone as line 2
    "Vera,,VERA@orion.example,\n"  # line 5: already in the CRM
    '"Gleb","+7 921 000 00 01","","Orion\nJSC"\n'  # line 6: two lines long
    ",+7 921 000 00 02,,\n"  # line 8: no name
)


def deploy_import(engine: Engine) -> None:
    engine.deploy({p.name: p.read_text() for p in PROCESS.glob("*.bpmn")})


def test_import_contacts_validates_dedups_and_creates(engine: Engine) -> None:
    seed_contact(engine, "+79210000099", "vera@orion.example", seed_customer(engine, name="Vera"))
    vega = seed_customer(engine, name="Vega LLC")

    outcome = run(engine, "import_contacts", {"content": SMALL, "limit": 500})

    chunk = result(outcome)
    assert (chunk["rows"], chunk["created"], chunk["done"]) == (6, 2, True)
    assert chunk["errors"] == [
        {"line": 3, "reason": "phone: not a valid phone number: '12345'"},
        {"line": 8, "reason": "first_name is empty"},
    ]
    [twin, known] = chunk["duplicates"]
    assert (twin["line"], twin["of_line"], twin["reason"]) == (
        4,
        2,
        "same phone +79123456789 as line 2",
    )
    assert (known["line"], known["in_file"]) == (5, False)
    assert "same email vera@orion.example as contact" in known["reason"]
    [(anna_line, anna_id), (gleb_line, gleb_id)] = chunk["contacts"]
    assert (anna_line, gleb_line) == (2, 6)
    assert twin["contact_id"] == anna_id
    assert count(engine, Customer) == 3  # Vera, Vega LLC (Anna joined it), Orion JSC (new)
    assert count(engine, Contact, Contact.customer_id == vega) == 1
    assert_recorded(engine, outcome, Contact, anna_id, "insert")
    assert_recorded(engine, outcome, Contact, gleb_id, "insert")


def test_import_contacts_stops_at_the_limit_and_says_where_to_go_on(engine: Engine) -> None:
    chunk = result(run(engine, "import_contacts", {"content": SMALL, "limit": 2}))

    assert (chunk["rows"], chunk["done"], chunk["next_line"]) == (2, False, 4)
    assert SMALL.encode()[chunk["next_offset"] :].startswith(b"Anna,+7 (912)")


def test_import_contacts_needs_a_source(engine: Engine) -> None:
    outcome = run(engine, "import_contacts", {"content": None, "limit": 500})

    assert "field 'path': give either path or content" in incident(engine, outcome)


def test_import_contacts_bounds_the_chunk(engine: Engine) -> None:
    outcome = run(engine, "import_contacts", {"content": SMALL, "limit": 50_000})

    assert "field 'limit': Must be greater than or equal to 1" in incident(engine, outcome)
    assert count(engine, Contact) == 0


def test_import_contacts_refuses_a_file_without_names(engine: Engine) -> None:
    outcome = run(engine, "import_contacts", {"content": "phone\n+79123456789\n", "limit": 10})

    assert "the header has no first_name column" in incident(engine, outcome)
    assert count(engine, Contact) == 0


def test_import_contacts_file_of_10000_rows(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    deploy_import(engine)
    file = write_contact_file(tmp_path / "contacts.csv", rows=10_000, bad_pct=5, dup_pct=3)
    _seed_existing(engine, file.existing)
    calls: list[tuple[int, int]] = []

    started = time.perf_counter()
    report = import_contacts_file(
        engine, file.path, lambda done, total: calls.append((done, total))
    )
    seconds = time.perf_counter() - started

    backend = request.node.callspec.params["db_url"]
    print(f"\nimport of 10,000 rows on {backend}: {seconds:.1f} s")
    assert (report.rows, report.created) == (10_000, file.good) == (10_000, 9_200)
    assert {e.line: e.reason for e in report.errors}.keys() == file.bad.keys()
    for issue in report.errors:
        assert file.bad[issue.line] in issue.reason, issue
    assert {d.line: d.of_line for d in report.duplicates} == file.duplicates
    assert report.ignored_columns == ["Notes"]
    assert calls[0] == (0, 10_000) and calls[-1] == (10_000, 10_000)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    instance = engine.instance(report.instance_id)
    assert instance["status"] == "completed"
    assert (instance["data"]["imported"], instance["data"]["rejected"]) == (9_200, 500)
    assert instance["data"]["duplicates"] == 300
    _assert_no_twins(engine, expected=len(file.existing) + 9_200)
    assert _contact_inserts_by_instance(engine) == {report.instance_id: 9_200}


def test_import_contacts_file_twice_creates_nothing_new(engine: Engine, tmp_path: Path) -> None:
    deploy_import(engine)
    file = write_contact_file(tmp_path / "contacts.csv", rows=300)
    _seed_existing(engine, file.existing)

    first = import_contacts_file(engine, file.path, chunk_rows=100, user=USER)
    second = import_contacts_file(engine, file.path, chunk_rows=100, user=USER)

    assert first.created == file.good and second.created == 0
    assert len(second.duplicates) == first.created + len(first.duplicates)
    assert all("already in the CRM" in d.reason for d in second.duplicates)
    assert second.instance_id != first.instance_id
    _assert_no_twins(engine, expected=len(file.existing) + file.good)


def test_import_contacts_file_refuses_a_file_without_a_name_column(
    engine: Engine, tmp_path: Path
) -> None:
    deploy_import(engine)
    path = tmp_path / "people.csv"
    path.write_text("surname,phone\nPetrov,+79123456789\n")

    with pytest.raises(ContactImportError, match="the header has no first_name column"):
        import_contacts_file(engine, path)
    assert count(engine, Contact) == 0


def test_import_contacts_file_says_to_deploy_the_process(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("first_name,phone\nIvan,+79123456789\n")

    with pytest.raises(ContactImportError, match="deploy processes/contact_import"):
        import_contacts_file(engine, path)


def _seed_existing(engine: Engine, existing: list[Any]) -> None:
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


def _assert_no_twins(engine: Engine, expected: int) -> None:
    """One contact per phone and per email, and as many contacts as expected."""
    with engine.session() as session:
        for column in (ContactPhone.number, ContactEmail.address):
            shared = session.execute(
                sa.select(column).group_by(column).having(sa.func.count() > 1)
            ).all()
            assert shared == [], f"twins share {column.key}: {shared[:5]}"
    assert count(engine, Contact) == expected


def _contact_inserts_by_instance(engine: Engine) -> dict[str, int]:
    with engine.session() as session:
        rows = session.execute(
            sa.select(Change.instance_id, sa.func.count())
            .where(Change.table_name == "crm_contact", Change.instance_id != "seed")
            .group_by(Change.instance_id)
        )
        return {instance_id: n for instance_id, n in rows}


def test_contact_import_process_has_a_diagram_for_every_element() -> None:
    """bpmn-js draws only what has a shape or an edge: each flow element needs one."""
    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    root = etree.parse(str(PROCESS / "contact_import.bpmn")).getroot()
    [process] = root.findall("bpmn:process", ns)
    elements = {e.get("id") for e in process if e.get("id") and not e.tag.endswith("documentation")}
    drawn = {d.get("bpmnElement") for d in root.iterfind(".//bpmndi:BPMNShape", ns)} | {
        d.get("bpmnElement") for d in root.iterfind(".//bpmndi:BPMNEdge", ns)
    }
    assert elements and elements == drawn


def test_import_keeps_its_report_as_an_import_run(engine: Engine, tmp_path: Path) -> None:
    deploy_import(engine)
    seed_contact(engine, "+79210000099", "vera@orion.example", seed_customer(engine, name="Vera"))
    path = tmp_path / "small.csv"
    path.write_text(SMALL)

    report = import_contacts_file(engine, path, chunk_rows=2, user=USER)

    with engine.session() as session:
        run = session.get(ImportRun, report.import_run_id)
        assert (run.instance_id, run.file_name, run.status) == (
            report.instance_id,
            "small.csv",
            "completed",
        )
        assert (run.rows_total, run.rows_done, run.imported, run.bad, run.duplicates) == (
            6, 6, 2, 2, 2,
        )  # fmt: skip
        issues = session.scalars(sa.select(ImportIssue).order_by(ImportIssue.line)).all()
        assert [(i.line, i.kind) for i in issues] == [
            (3, "bad"), (4, "duplicate"), (5, "duplicate"), (8, "bad"),
        ]  # fmt: skip
        assert issues[0].reason == "phone: not a valid phone number: '12345'"
        assert issues[1].contact_id == report.duplicates[0].contact_id
        [created] = crm.history(session, ImportRun, run.id)[-1:]
        assert (created.action, created.instance_id, created.username) == (
            "insert",
            report.instance_id,
            USER,
        )
