"""instance state lz4: PostgreSQL compresses the instance state with lz4, not pglz

A real process's state is 8-11 kB, above the 2 kB threshold, so every step
compresses it; lz4 costs about half of pglz's server CPU. Only on PostgreSQL 14
or later built with lz4; elsewhere nothing changes. Rows already stored keep
their compression until they are next written.

Revision ID: 9f4e2b7c1d3a
Revises: 67612a7280d7
Create Date: 2026-12-02 15:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from engine.models.instance import STATE_LZ4, lz4_available

revision: str = "9f4e2b7c1d3a"
down_revision: str | None = "67612a7280d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if lz4_available(op.get_bind()):
        op.execute(STATE_LZ4)


def downgrade() -> None:
    """Revert this revision."""
    if lz4_available(op.get_bind()):
        op.execute("ALTER TABLE process_instance ALTER COLUMN state SET COMPRESSION DEFAULT")
