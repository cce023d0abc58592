"""Declarative base of the CRM tables, on a MetaData of their own.

The engine keeps its tables in the same database on another MetaData, so each
side creates, migrates and drops only what it owns. Every CRM table name starts
with ``crm_``; the write guard relies on that prefix.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

TABLE_PREFIX = "crm_"


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (the only kind of time the CRM stores)."""
    return datetime.now(UTC)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite too (which stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where a UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _enum_values(enum_class: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


class Base(DeclarativeBase):
    """Base of every CRM model.

    Enums are stored by value in VARCHAR columns (no native PostgreSQL enum types
    to migrate); money is ``NUMERIC(18, 2)``.
    """

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        enum.Enum: sa.Enum(enum.Enum, native_enum=False, length=30, values_callable=_enum_values),
        Decimal: sa.Numeric(18, 2),
        datetime: UtcDateTime(),
    }


metadata = Base.metadata
