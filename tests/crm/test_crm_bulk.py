"""crm.insert_rows: bulk inserts in a step, refused outside one, recorded row by row."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import AbcClass, Change, ChangeAction, Contact, Customer
from tests.crm.conftest import StepStub, in_step

STEP = StepStub(instance_id="inst-import", task_id="task-chunk", user="vera")


def _count(session: Session, model: type[crm.Base]) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_rows_land_with_their_defaults_and_ids_in_order(session: Session) -> None:
    with in_step(session, STEP):
        [first] = crm.insert_rows(session, Customer, [{"name": "Old", "name_key": "old"}])
        ids = crm.insert_rows(
            session, Customer, [{"name": f"C{n}", "name_key": f"c{n}"} for n in range(250)]
        )
        contact_ids = crm.insert_rows(
            session, Contact, [{"customer_id": i, "first_name": f"P{i}"} for i in ids]
        )
    session.commit()

    assert ids == list(range(first + 1, first + 251))
    customers = {c.id: c for c in session.scalars(sa.select(Customer))}
    assert [customers[i].name for i in ids] == [f"C{n}" for n in range(250)]
    assert customers[ids[0]].abc_class is AbcClass.C
    assert customers[ids[0]].lifetime_revenue == Decimal("0.00")
    contacts = {c.id: c for c in session.scalars(sa.select(Contact))}
    assert [contacts[i].customer_id for i in contact_ids] == ids


def test_each_row_is_in_the_history_with_instance_task_and_user(session: Session) -> None:
    with in_step(session, STEP):
        [customer_id] = crm.insert_rows(session, Customer, [{"name": "Vega", "name_key": "vega"}])

    [change] = crm.history(session, Customer, customer_id)
    assert change.action is ChangeAction.INSERT
    assert (change.instance_id, change.task_id, change.username) == (
        "inst-import",
        "task-chunk",
        "vera",
    )
    assert change.changes["name"] == {"old": None, "new": "Vega"}
    assert change.changes["abc_class"] == {"old": None, "new": "C"}
    assert change.changes["id"] == {"old": None, "new": customer_id}


def test_outside_a_step_nothing_is_written(session: Session) -> None:
    with pytest.raises(crm.OutsideProcessError) as raised:
        crm.insert_rows(session, Customer, [{"name": "Sneaky", "name_key": "sneaky"}])

    assert (raised.value.table, raised.value.action) == ("crm_customer", "insert")
    assert _count(session, Customer) == 0


def test_the_history_cannot_be_bulk_written(session: Session) -> None:
    with pytest.raises(crm.ImmutableHistoryError), in_step(session):
        crm.insert_rows(session, Change, [{"instance_id": "x"}])


def test_a_rolled_back_step_leaves_neither_rows_nor_history(
    session: Session, engine: sa.Engine
) -> None:
    with in_step(session):
        crm.insert_rows(session, Customer, [{"name": "Gone", "name_key": "gone"}])
    session.rollback()

    with Session(engine) as reader:
        assert (_count(reader, Customer), _count(reader, Change)) == (0, 0)


def test_an_unknown_attribute_is_refused_before_any_sql(session: Session) -> None:
    with pytest.raises(ValueError, match="crm_customer has no attribute"), in_step(session):
        crm.insert_rows(session, Customer, [{"name": "X", "colour": "red"}])


def test_the_guard_still_refuses_other_bulk_statements_in_a_step(session: Session) -> None:
    with pytest.raises(crm.UntrackedWriteError), in_step(session):
        session.execute(sa.insert(Customer), [{"name": "Raw", "name_key": "raw"}])
