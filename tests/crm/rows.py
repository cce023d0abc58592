"""Minimal valid rows of any CRM model, worked out from the table, for tests that must
cover every model (a new model is covered without touching the tests)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Change, Customer
from tests.crm.conftest import StepStub, in_step

# Columns whose values are validated beyond their SQL type.
SPECIAL_VALUES: dict[tuple[str, str], Any] = {
    ("crm_contact_phone", "number"): "+7 912 345-67-89",
    ("crm_contact_email", "address"): "someone@example.com",
}
_serial = itertools.count(1)


def crm_models() -> list[type[crm.Base]]:
    """Every mapped CRM model, from the registry."""
    models = (mapper.class_ for mapper in crm.Base.registry.mappers)
    return sorted(models, key=lambda model: model.__name__)


def build_row(session: Session, model: type[crm.Base]) -> crm.Base:
    """A new row of ``model`` with its required parents, added to the session.

    Parents are flushed (they need ids), so call it inside a step; the row itself is
    only added.
    """
    table = _table(model)
    values: dict[str, Any] = {}
    for column in table.columns:
        if not _needs_value(column):
            continue
        key = sa.inspect(model).get_property_by_column(column).key
        foreign_key = next(iter(column.foreign_keys), None)
        if foreign_key is not None:
            parent = build_row(session, _model_of(foreign_key.column.table.name))
            session.flush()
            values[key] = getattr(parent, foreign_key.column.key)
        else:
            values[key] = SPECIAL_VALUES.get((table.name, column.name)) or sample(column)
    row = model(**values)
    session.add(row)
    return row


def existing_row(session: Session, model: type[crm.Base], step: StepStub) -> crm.Base:
    """A committed row of ``model``; for ``Change``, one recorded by writing a customer."""
    with in_step(session, step):
        row = build_row(session, Customer if model is Change else model)
    session.commit()
    if model is Change:
        identity = sa.inspect(row).identity
        assert identity is not None
        return crm.history(session, Customer, identity[0])[0]
    return row


def change_something(row: crm.Base) -> str:
    """Change one plain column of ``row`` and return its attribute name."""
    mapper = sa.inspect(type(row))
    for kind in (sa.Boolean, sa.Integer, sa.Numeric, sa.String):
        for column in _table(type(row)).columns:
            if column.primary_key or column.foreign_keys or isinstance(column.type, sa.Enum):
                continue
            if isinstance(column.type, kind) and not isinstance(column.type, sa.Enum):
                key = mapper.get_property_by_column(column).key
                setattr(row, key, _changed(getattr(row, key), kind))
                return key
    raise AssertionError(f"{type(row).__name__} has no plain column to change")


def sample(column: sa.Column[Any]) -> Any:
    """A value of the column's type (unique for strings)."""
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Enum):
        return next(iter(column_type.enum_class or ()), None) or column_type.enums[0]
    if isinstance(column_type, sa.String):
        text = f"{column.name}-{next(_serial)}"
        return text[-column_type.length :] if column_type.length else text
    for kind, value in _SAMPLES:
        if isinstance(column_type, kind):
            return value() if callable(value) else value
    raise AssertionError(f"no sample value for {column} of type {column_type!r}")


_SAMPLES: list[tuple[type[Any], Any]] = [
    (sa.Boolean, False),
    (sa.Integer, 1),
    (sa.Numeric, Decimal("1.00")),
    (sa.DateTime, lambda: datetime.now(UTC)),
    (sa.Date, date.today),
    (sa.JSON, dict),
]


def _changed(value: Any, kind: type[Any]) -> Any:
    if kind is sa.Boolean:
        return not value
    if kind is sa.Integer:
        return (value or 0) + 1
    if kind is sa.Numeric:
        return (value or Decimal(0)) + 1
    return f"{value or 'changed'}-2"


def _needs_value(column: sa.Column[Any]) -> bool:
    if column.primary_key and isinstance(column.type, sa.Integer):
        return False  # autoincrement
    return not (column.nullable or column.default is not None or column.server_default)


def _table(model: type[crm.Base]) -> sa.Table:
    return cast(sa.Table, model.__table__)


def _model_of(table_name: str) -> type[crm.Base]:
    return next(model for model in crm_models() if _table(model).name == table_name)
