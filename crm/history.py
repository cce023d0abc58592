"""Reading the change history of one record."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .base import Base
from .guard import table_name
from .models.change import Change


def history(session: Session, entity: type[Base] | str, record_id: object) -> list[Change]:
    """Every recorded write to one record, newest first.

    Args:
        session: any session; reading needs no step.
        entity: the model class (``Customer``) or its table name (``"crm_customer"``).
        record_id: the record's primary key (``"|"``-joined text if composite).
    """
    table = entity if isinstance(entity, str) else table_name(sa.inspect(entity))
    query = (
        sa.select(Change)
        .where(Change.table_name == table, Change.row_id == str(record_id))
        .order_by(Change.changed_at.desc(), Change.id.desc())
    )
    return list(session.scalars(query))
