"""One page of a customer's interaction timeline, newest first, by keyset cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models.interaction import Interaction
from ..schemas.interaction import InteractionSchema

MAX_PAGE = 500
_SEPARATOR = "|"


def timeline_page(
    session: Session, customer_id: int, *, limit: int, before: str | None
) -> dict[str, Any]:
    """``{"items": [...], "next_before": cursor or None}`` in one statement.

    ``before`` is the ``next_before`` of the previous page. The cursor carries the
    time and the id of the last item, so items sharing a timestamp are neither
    skipped nor repeated across pages.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    query = sa.select(Interaction).where(Interaction.customer_id == customer_id)
    if before is not None:
        occurred_at, row_id = parse_cursor(before)
        query = query.where(
            sa.tuple_(Interaction.occurred_at, Interaction.id) < (occurred_at, row_id)
        )
    query = query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "items": InteractionSchema(many=True).dump(page),
        "next_before": make_cursor(page[-1]) if more else None,
    }


def make_cursor(item: Interaction) -> str:
    return f"{item.occurred_at.isoformat()}{_SEPARATOR}{item.id}"


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    """The time and id in a cursor made by :func:`make_cursor`."""
    moment, _, row_id = cursor.rpartition(_SEPARATOR)
    try:
        occurred_at = datetime.fromisoformat(moment)
        return occurred_at, int(row_id)
    except ValueError as error:
        raise ValueError(f"not a timeline cursor: {cursor!r}") from error
