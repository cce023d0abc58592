"""The guard beyond the unit of work: bulk statements, raw SQL and plain connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Customer
from tests.crm.conftest import in_step

INSERT_SQL = "INSERT INTO crm_customer (name, name_key, abc_class, lifetime_revenue, created_at)"
INSERT_SQL += " VALUES ('Raw', 'raw', 'C', 0, CURRENT_TIMESTAMP)"


@pytest.fixture
def customer_id(session: Session) -> int:
    with in_step(session):
        customer = Customer(name="Existing LLC")
        session.add(customer)
    session.commit()
    return customer.id


STATEMENTS: dict[str, Callable[[int], sa.Executable]] = {
    "orm insert": lambda _id: sa.insert(Customer).values(name="Bulk", name_key="bulk"),
    "orm update": lambda id_: sa.update(Customer).where(Customer.id == id_).values(name="X"),
    "orm delete": lambda id_: sa.delete(Customer).where(Customer.id == id_),
    "core update": lambda id_: sa.update(cast(sa.Table, Customer.__table__)).values(name="X"),
    "text insert": lambda _id: sa.text(INSERT_SQL),
    "text delete": lambda _id: sa.text("DELETE FROM crm_customer"),
}


@pytest.mark.parametrize("kind", list(STATEMENTS))
def test_session_execute_of_a_write_is_refused_outside_a_step(
    session: Session, customer_id: int, kind: str
) -> None:
    with pytest.raises(crm.OutsideProcessError):
        session.execute(STATEMENTS[kind](customer_id))


@pytest.mark.parametrize("kind", list(STATEMENTS))
def test_session_execute_of_a_write_is_untracked_inside_a_step(
    session: Session, customer_id: int, kind: str
) -> None:
    with pytest.raises(crm.UntrackedWriteError), in_step(session):
        session.execute(STATEMENTS[kind](customer_id))


@pytest.mark.parametrize("kind", list(STATEMENTS))
def test_the_session_connection_is_guarded_too(
    session: Session, customer_id: int, kind: str
) -> None:
    with pytest.raises(crm.OutsideProcessError):
        session.connection().execute(STATEMENTS[kind](customer_id))
    session.rollback()
    with pytest.raises(crm.UntrackedWriteError), in_step(session):
        session.connection().execute(STATEMENTS[kind](customer_id))


def test_driver_sql_and_bulk_helpers_are_guarded(session: Session, customer_id: int) -> None:
    with pytest.raises(crm.OutsideProcessError):
        session.connection().exec_driver_sql(
            f"UPDATE crm_customer SET name = 'x' WHERE id = {customer_id}"
        )
    session.rollback()
    with pytest.raises(crm.OutsideProcessError):
        session.bulk_insert_mappings(Customer, [{"name": "Bulk", "name_key": "bulk"}])


def test_a_plain_engine_connection_is_guarded(session: Session, engine: sa.Engine) -> None:
    with engine.connect() as conn, pytest.raises(crm.OutsideProcessError):
        conn.execute(sa.text(INSERT_SQL))


def test_reading_and_other_tables_are_free(session: Session, engine: sa.Engine) -> None:
    other = sa.Table(
        "not_crm_scratch", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True)
    )
    with engine.begin() as conn:
        other.create(conn)
        conn.execute(other.insert().values(id=1))
        assert conn.execute(sa.text("SELECT count(*) FROM crm_customer")).scalar() == 0
        other.drop(conn)
    assert session.execute(sa.select(Customer)).all() == []


def test_install_guard_is_idempotent(engine: sa.Engine) -> None:
    crm.install_guard(engine)
    crm.install_guard(engine)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("insert into crm_lead (id) values (1)", ("crm_lead", "insert")),
        ('INSERT INTO "public"."crm_deal" (id) VALUES (1)', ("crm_deal", "insert")),
        ("INSERT OR REPLACE INTO crm_case VALUES (1)", ("crm_case", "insert")),
        ("WITH x AS (SELECT 1) UPDATE crm_customer SET name = 'a'", ("crm_customer", "update")),
        ("update only crm_customer set name = 'a'", ("crm_customer", "update")),
        ("DELETE FROM myschema.crm_contact WHERE id = 1", ("crm_contact", "delete")),
        ("TRUNCATE TABLE crm_interaction", ("crm_interaction", "truncate")),
        ("SELECT * FROM crm_customer FOR UPDATE", None),
        ("SELECT * FROM crm_customer FOR UPDATE OF crm_customer", None),
        ("INSERT INTO process_instance (id) VALUES (1)", None),
        ("CREATE TABLE crm_x (id INTEGER REFERENCES crm_y (id) ON DELETE CASCADE)", None),
        ("DROP TABLE crm_customer", None),
    ],
)
def test_sql_text_recognition(sql: str, expected: tuple[str, str] | None) -> None:
    from crm.sql_writes import crm_write_in_sql

    assert crm_write_in_sql(sql) == expected
