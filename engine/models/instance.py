"""A running (or finished) process instance: its state, without the spec."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class InstanceStatus(enum.StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    INCIDENT = "incident"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Instance(Base):
    """``state`` is SpiffWorkflow's serialized workflow minus the spec (JSON text).

    ``revision`` counts steps; it lets readers detect that a step happened
    between two reads and makes a replayed step observable in tests.
    """

    __tablename__ = "process_instance"
    __table_args__ = (sa.Index("ix_instance_status_key", "status", "process_key"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    process_key: Mapped[str] = mapped_column(sa.String(100))
    # no foreign key: versions are immutable and never deleted, every start proves its
    # version is the newest in the insert itself, and the key's check cost each start a
    # trigger run (a tenth to a quarter of a millisecond on PostgreSQL)
    version_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(sa.Text)
    revision: Mapped[int] = mapped_column(default=1)
    business_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    customer_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    started_by: Mapped[str | None] = mapped_column(sa.String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


STATE_LZ4 = "ALTER TABLE process_instance ALTER COLUMN state SET COMPRESSION lz4"
"""States of real processes are 8-11 kB, so PostgreSQL compresses one on every step;
lz4 costs about half of the default pglz's server CPU there (144 against 258 us)."""


def lz4_available(bind: sa.Connection) -> bool:
    """Whether ``bind`` is a PostgreSQL (14 or later) built with lz4."""
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return False
    query = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    return bool(bind.exec_driver_sql(query).scalar())


@sa.event.listens_for(Instance.__table__, "after_create")
def _state_lz4(_table: sa.Table, bind: sa.Connection, **_kw: object) -> None:
    """A new table gets lz4 at once (``create_all``, as ``init-db`` does)."""
    if lz4_available(bind):
        bind.exec_driver_sql(STATE_LZ4)
