"""inbox priority index: the queue sorted by priority reads one page off an index

The sort is ``priority DESC, due_at IS NULL, due_at, id`` (mixed direction,
undated last); SQLite cannot declare NULLS LAST on an index column, hence the
``due_at IS NULL`` expression.

Revision ID: 67612a7280d7
Revises: 60ac0ceb11a6
Create Date: 2026-12-02 13:47:58.017920
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "67612a7280d7"
down_revision: str | None = "60ac0ceb11a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_work_item_group_priority",
        "work_item",
        [
            "status",
            "group_name",
            sa.literal_column("priority DESC"),
            sa.literal_column("(due_at IS NULL)"),
            "due_at",
            "id",
        ],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_work_item_group_priority", table_name="work_item")
