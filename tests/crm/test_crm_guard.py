"""CRM rows change only inside a process step; every write in a step is in the history.

The write tests run over every mapped model, discovered from the registry, so a
new model is covered without touching them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Change, ChangeAction, Customer
from tests.crm.conftest import StepStub, in_step
from tests.crm.rows import build_row, change_something, crm_models, existing_row

MODELS = crm_models()
WRITABLE = [model for model in MODELS if model is not Change]
STEP = StepStub(instance_id="inst-42", task_id="task-7", user="maria")


def _row_id(row: crm.Base) -> str:
    return "|".join(str(part) for part in sa.inspect(row).identity or ())


def _table(model: type[crm.Base]) -> str:
    name: str = model.__tablename__
    return name


def _insert_outside(session: Session, model: type[crm.Base]) -> None:
    with in_step(session):
        row = build_row(session, model)  # parents are written inside the step
        session.expunge(row)
    session.commit()
    session.add(row)


def _update_outside(session: Session, model: type[crm.Base]) -> None:
    change_something(existing_row(session, model, StepStub()))


def _delete_outside(session: Session, model: type[crm.Base]) -> None:
    session.delete(existing_row(session, model, StepStub()))


WRITES: dict[str, Callable[[Session, type[crm.Base]], None]] = {
    "insert": _insert_outside,
    "update": _update_outside,
    "delete": _delete_outside,
}


def test_models_are_discovered_from_the_crm_metadata() -> None:
    assert {_table(model) for model in MODELS} == set(crm.metadata.tables)
    assert all(name.startswith("crm_") for name in crm.metadata.tables)


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_write_outside_a_step_is_refused(
    session: Session, model: type[crm.Base], action: str
) -> None:
    WRITES[action](session, model)

    with pytest.raises(crm.OutsideProcessError) as raised:
        session.flush()

    assert (raised.value.table, raised.value.action) == (_table(model), action)


@pytest.mark.parametrize("model", WRITABLE, ids=lambda model: model.__name__)
def test_an_insert_in_a_step_is_recorded(session: Session, model: type[crm.Base]) -> None:
    with in_step(session, STEP):
        row = build_row(session, model)

    [change] = crm.history(session, model, _row_id(row))
    assert change.action is ChangeAction.INSERT
    assert (change.instance_id, change.task_id, change.username) == ("inst-42", "task-7", "maria")
    assert change.changes  # the values written


@pytest.mark.parametrize("model", WRITABLE, ids=lambda model: model.__name__)
def test_an_update_in_a_step_is_recorded(session: Session, model: type[crm.Base]) -> None:
    row = existing_row(session, model, StepStub())

    with in_step(session, STEP):
        field = change_something(row)

    latest, created = crm.history(session, model, _row_id(row))
    assert (latest.action, created.action) == (ChangeAction.UPDATE, ChangeAction.INSERT)
    assert (latest.instance_id, latest.task_id, latest.username) == ("inst-42", "task-7", "maria")
    assert field in latest.changes
    assert latest.changes[field]["old"] != latest.changes[field]["new"]


@pytest.mark.parametrize("model", WRITABLE, ids=lambda model: model.__name__)
def test_a_delete_in_a_step_is_recorded(session: Session, model: type[crm.Base]) -> None:
    row = existing_row(session, model, StepStub())
    row_id = _row_id(row)

    with in_step(session, STEP):
        session.delete(row)

    assert session.get(model, sa.inspect(row).identity) is None
    latest, _created = crm.history(session, model, row_id)
    assert latest.action is ChangeAction.DELETE
    assert (latest.instance_id, latest.task_id, latest.username) == ("inst-42", "task-7", "maria")
    assert all(change["new"] is None for change in latest.changes.values())


@pytest.mark.parametrize("action", list(WRITES))
def test_the_history_is_append_only_even_in_a_step(session: Session, action: str) -> None:
    WRITES[action](session, Change)

    with pytest.raises(crm.ImmutableHistoryError), in_step(session):
        session.flush()


def test_a_rolled_back_step_leaves_no_row_and_no_history(
    session: Session, engine: sa.Engine
) -> None:
    with in_step(session):
        session.add(Customer(name="Rolled Back LLC"))
    session.rollback()

    with Session(engine) as reader:
        assert reader.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0
        assert reader.scalar(sa.select(sa.func.count()).select_from(Change)) == 0


def test_a_step_ending_before_its_changes_flush_cannot_commit_them(session: Session) -> None:
    session.info[crm.STEP_KEY] = StepStub()
    session.add(Customer(name="Late LLC"))
    session.info.pop(crm.STEP_KEY)

    with pytest.raises(crm.OutsideProcessError):
        session.commit()


def test_reading_needs_no_step(session: Session) -> None:
    with in_step(session):
        customer = Customer(name="Read Me Ltd")
        session.add(customer)
    session.commit()

    assert session.scalars(sa.select(Customer)).one().name == "Read Me Ltd"
    assert session.execute(sa.text("SELECT count(*) FROM crm_customer")).scalar() == 1
    customer.name = customer.name  # assigning the same value is not a change
    session.flush()
