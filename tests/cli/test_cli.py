"""The ``clientflow`` command, run in-process on a real database per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner, Result

from clientflow_cli.commands.serve import start_timers
from clientflow_cli.main import cli
from clientflow_cli.migrations import alembic_config
from engine import Engine, check_password, user_for_token
from engine.models import Group, Membership, User
from engine.models.instance import lz4_available

BPMN = Path(__file__).parents[1] / "engine" / "bpmn"
LINK_EVENT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="linked" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateThrowEvent id="jump_to_end">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:linkEventDefinition name="to_end" />
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="jump_to_end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    """CLIENTFLOW_DATABASE_URL for the commands: SQLite, and PostgreSQL when configured."""
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", db_url)
    monkeypatch.delenv("CLIENTFLOW_BROKER_URL", raising=False)
    return db_url


@pytest.fixture
def sqlite_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    db_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", db_url)
    return db_url


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    """A database with the schema, as ``clientflow init-db`` leaves it."""
    ok(run("init-db"))
    engine = Engine(sqlite_url)
    yield engine
    engine.db.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def failed(result: Result) -> str:
    """The error text of a command that must fail readably: exit 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")
    return result.stderr


def good_bundle(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("simple.bpmn", "enter.json", "approve.json"):
        shutil.copy(BPMN / name, folder / name)
    return folder


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine.db.engine).get_table_names())


def test_init_db_creates_every_table_and_can_run_again(url: str) -> None:
    ok(run("init-db"))
    again = ok(run("init-db"))
    assert "schema ready" in again.output
    engine = Engine(url)
    try:
        assert {"process_version", "work_item", "app_user", "crm_customer"} <= table_names(engine)
        assert "alembic_version" in table_names(engine), "a fresh schema is stamped for migrate"
    finally:
        engine.db.dispose()


def test_migrate_builds_the_schema_the_models_describe(url: str) -> None:
    result = ok(run("migrate"))
    assert "at revision" in result.output
    ok(run("migrate"))
    # fails when a model changed without a migration: add one with
    # alembic -c clientflow_cli/migrations/alembic.ini revision --autogenerate -m "..."
    command.check(alembic_config(url))


def test_migrate_compresses_instance_states_with_lz4_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", pg_url)
    ok(run("migrate"))
    engine = Engine(pg_url)
    try:
        with engine.db.engine.connect() as conn:
            if not lz4_available(conn):
                pytest.skip("this PostgreSQL is older than 14 or built without lz4")
            compression = conn.exec_driver_sql(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'process_instance'::regclass AND attname = 'state'"
            ).scalar()
        assert compression == "l"
    finally:
        engine.db.dispose()


def test_migrate_takes_over_a_database_made_by_init_db(sqlite_url: str) -> None:
    ok(run("init-db"))
    ok(run("migrate"))
    command.check(alembic_config(sqlite_url))


def test_user_add_and_token(db: Engine) -> None:
    added = ok(run("user", "add", "anna", "--group", "sales", "-g", "vip", "--password", "pw"))
    assert "anna in sales, vip" in added.output
    token = ok(run("token", "anna")).output.strip()
    assert user_for_token(db, token) == "anna"
    assert check_password(db, "anna", "pw")
    with db.session() as session:
        groups = set(session.scalars(sa.select(Membership.group_name).filter_by(username="anna")))
    assert groups == {"sales", "vip"}


def test_token_for_an_unknown_user_is_a_readable_error(db: Engine) -> None:
    assert "user nobody does not exist" in failed(run("token", "nobody"))


def test_validate_accepts_a_good_bundle(tmp_path: Path, sqlite_url: str) -> None:
    folder = good_bundle(tmp_path / "processes" / "simple")
    result = ok(run("validate", str(folder.parent)))
    assert f"ok {folder}: simple (Simple approval)" in result.output


def test_validate_names_the_element_of_an_unsupported_feature(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "linked.bpmn").write_text(LINK_EVENT)
    error = failed(run("validate", str(folder)))
    assert f"{folder / 'linked.bpmn'}:5 jump_to_end: link events are not executed" in error


def test_validate_reports_bad_xml_with_its_line(tmp_path: Path, sqlite_url: str) -> None:
    folder = good_bundle(tmp_path / "broken")
    (folder / "simple.bpmn").write_text("<bpmn:definitions>\n<unclosed>\n")
    error = failed(run("validate", str(folder)))
    assert f"{folder / 'simple.bpmn'}:" in error
    assert "not well-formed XML" in error


def test_validate_of_a_missing_folder_fails_readably(tmp_path: Path, sqlite_url: str) -> None:
    assert "is not a folder" in failed(run("validate", str(tmp_path / "nowhere")))


def test_deploy_prints_versions_and_keeps_unchanged_content(tmp_path: Path, db: Engine) -> None:
    processes = good_bundle(tmp_path / "processes" / "simple").parent
    assert "deployed simple v1 (Simple approval)" in ok(run("deploy", str(processes))).output
    assert "unchanged simple v1" in ok(run("deploy", str(processes))).output
    (processes / "simple" / "simple.bpmn").write_text(
        (BPMN / "simple.bpmn").read_text().replace("Calculate", "Compute")
    )
    assert "deployed simple v2" in ok(run("deploy", str(processes))).output
    assert [(p["key"], p["version"]) for p in db.processes()] == [("simple", 2)]


def test_deploy_deploys_nothing_when_one_bundle_is_invalid(tmp_path: Path, db: Engine) -> None:
    processes = good_bundle(tmp_path / "processes" / "simple").parent
    (processes / "linked").mkdir()
    (processes / "linked" / "linked.bpmn").write_text(LINK_EVENT)
    error = failed(run("deploy", str(processes)))
    assert "nothing deployed" in error
    assert "jump_to_end" in error
    assert db.processes() == []


def test_a_missing_schema_is_a_readable_error(tmp_path: Path, sqlite_url: str) -> None:
    processes = good_bundle(tmp_path / "processes" / "simple").parent
    assert "clientflow init-db" in failed(run("deploy", str(processes)))


def test_demo_loads_the_organisation_idempotently(db: Engine) -> None:
    ok(run("demo"))
    ok(run("demo"))
    with db.session() as session:
        users = set(session.scalars(sa.select(User.username)))
        memberships = session.scalars(sa.select(Membership)).all()
        calendars = {g.name: g.calendar for g in session.scalars(sa.select(Group))}
        sales_manager = session.get(Group, "sales")
    assert users == {"anna", "boris", "vera", "gleb", "dina", "egor", "olga"}
    assert len(memberships) == 8
    assert set(calendars.values()) == {"office"}
    assert sales_manager is not None and sales_manager.manager == "boris"
    assert check_password(db, "olga", "demo")


def test_bench_refuses_an_unknown_suite(sqlite_url: str) -> None:
    assert "unknown suite 'nope'" in failed(run("bench", "nope"))


def test_worker_without_a_broker_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENTFLOW_BROKER_URL", raising=False)
    assert "CLIENTFLOW_BROKER_URL" in failed(run("worker"))


def test_serve_starts_and_stops_the_embedded_timer_loop(db: Engine) -> None:
    timers = start_timers(db)
    assert timers is not None
    timers.stop()
