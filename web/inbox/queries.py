"""Inbox read queries: ``work_item`` rows only, keyset-paginated, index-friendly.

Never deserializes a workflow. Each list is one statement with ``LIMIT``; the
next page continues after the last row's sort key (a cursor), so page 1,000
costs what page 1 costs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.models import WorkItem, WorkItemStatus

PAGE = 50
SCOPES = ("mine", "queue", "team", "overdue", "today", "all")
SORTS = ("due", "priority")
# the priority filter's buckets: name -> (lowest, highest) inclusive
PRIORITIES = {"high": (70, 1_000_000), "normal": (30, 69), "low": (-1_000_000, 29)}


class BadCursor(ValueError):
    """The page cursor is not one this app wrote."""


@dataclass(frozen=True)
class Viewer:
    """Whose inbox: the user, their groups, the queues they manage, admin or not."""

    username: str
    groups: frozenset[str]
    managed: frozenset[str] = frozenset()
    is_admin: bool = False


@dataclass(frozen=True)
class Filters:
    scope: str = "mine"
    sort: str = "due"
    process: str | None = None
    customer_id: str | None = None
    priority: str | None = None
    cursor: str | None = None
    limit: int = PAGE


@dataclass
class Page:
    items: list[WorkItem] = field(default_factory=list)
    next_cursor: str | None = None


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """Tasks this user works on: theirs, and their groups' unclaimed ones."""
    return sa.or_(
        WorkItem.assignee == viewer.username,
        sa.and_(WorkItem.assignee.is_(None), WorkItem.group_name.in_(sorted(viewer.groups))),
    )


def scope_filter(viewer: Viewer, scope: str, now: datetime) -> ColumnElement[bool]:
    if scope == "mine":
        return WorkItem.assignee == viewer.username
    if scope == "queue":
        return sa.and_(WorkItem.assignee.is_(None), WorkItem.group_name.in_(sorted(viewer.groups)))
    if scope == "team":
        return sa.true() if viewer.is_admin else WorkItem.group_name.in_(sorted(viewer.managed))
    if scope == "overdue":
        return sa.and_(visible(viewer), WorkItem.due_at < now)
    if scope == "today":
        start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        return sa.and_(
            visible(viewer), WorkItem.due_at >= start, WorkItem.due_at < start + timedelta(days=1)
        )
    if scope == "all" and viewer.is_admin:
        return sa.true()
    return sa.false()


def list_page(session: Session, viewer: Viewer, filters: Filters, now: datetime) -> Page:
    """One page of the inbox in the chosen scope, filters and order."""
    rows = list(session.scalars(page_query(viewer, filters, now)))
    page = Page(items=rows[: filters.limit])
    if len(rows) > filters.limit:
        page.next_cursor = encode_cursor(filters.sort, page.items[-1])
    return page


def page_query(viewer: Viewer, filters: Filters, now: datetime) -> sa.Select[WorkItem]:
    """The statement behind :func:`list_page`: one row more than a page, to see if more follow."""
    query = sa.select(WorkItem).where(
        WorkItem.status == WorkItemStatus.OPEN, scope_filter(viewer, filters.scope, now)
    )
    query = _narrowed(query, filters)
    if filters.cursor:
        query = query.where(_after(filters.sort, decode_cursor(filters.cursor)))
    return query.order_by(*_order(filters.sort)).limit(filters.limit + 1)


def _narrowed(query: sa.Select[Any], filters: Filters) -> sa.Select[Any]:
    if filters.process:
        query = query.where(WorkItem.process_key == filters.process)
    if filters.customer_id:
        query = query.where(WorkItem.customer_id == filters.customer_id)
    if filters.priority in PRIORITIES:
        low, high = PRIORITIES[filters.priority]
        query = query.where(WorkItem.priority.between(low, high))
    return query


def _order(sort: str) -> Sequence[Any]:
    """The indexes' own order, so a LIMIT stops after one page instead of sorting every row.

    By due date: NULLS LAST written out, which the (status, assignee|group, due_at)
    indexes serve (on SQLite only right after the equality columns). By priority:
    exactly ``ix_work_item_group_priority``'s columns; there ``due_at`` is not next to
    the equality columns, so undated-last is the indexed ``due_at IS NULL``.
    """
    if sort == "priority":
        return (
            WorkItem.priority.desc(),
            WorkItem.due_at.is_(None),
            WorkItem.due_at.asc(),
            WorkItem.id,
        )
    return (WorkItem.due_at.asc().nulls_last(), WorkItem.id)


def _after(sort: str, key: dict[str, Any]) -> ColumnElement[bool]:
    """Rows strictly after ``key`` in :func:`_order`'s order (NULL due dates last)."""
    last_id = uuid.UUID(key["id"])
    due = datetime.fromisoformat(key["due"]) if key.get("due") else None
    if due is None:
        after_due = sa.and_(WorkItem.due_at.is_(None), WorkItem.id > last_id)
    else:
        after_due = sa.or_(
            WorkItem.due_at > due,
            sa.and_(WorkItem.due_at == due, WorkItem.id > last_id),
            WorkItem.due_at.is_(None),
        )
    if sort != "priority":
        return after_due
    priority = int(key["priority"])
    # the redundant ``<=`` is an index bound: a later page starts at the cursor's priority
    # instead of walking the index past every more urgent task
    return sa.and_(
        WorkItem.priority <= priority,
        sa.or_(WorkItem.priority < priority, sa.and_(WorkItem.priority == priority, after_due)),
    )


def encode_cursor(sort: str, item: WorkItem) -> str:
    key = {
        "id": str(item.id),
        "due": item.due_at.isoformat() if item.due_at else None,
        "priority": item.priority if sort == "priority" else None,
    }
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        uuid.UUID(key["id"])
        if key.get("due"):
            datetime.fromisoformat(key["due"])
        if key.get("priority") is not None:
            int(key["priority"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCursor(
            f"the page cursor '{cursor[:40]}' is not valid; start from page one"
        ) from exc
    if not isinstance(key, dict):
        raise BadCursor("the page cursor is not valid; start from page one")
    return key


COUNT_CAP = 100  # badges say "99+" beyond this: counting 100,000 rows per page view is waste


def counts(session: Session, viewer: Viewer, now: datetime) -> dict[str, int]:
    """The navigation's badges (mine, queue, overdue), each counted up to :data:`COUNT_CAP`."""
    open_ = WorkItem.status == WorkItemStatus.OPEN
    result = {}
    for scope in ("mine", "queue", "overdue"):
        capped = (
            sa.select(WorkItem.id)
            .where(open_, scope_filter(viewer, scope, now))
            .limit(COUNT_CAP)
            .subquery()
        )
        result[scope] = session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0
    return result


def change_token(page: Page) -> str:
    """Changes when the rows of the list shown change (a task appears, leaves, moves)."""
    digest = hashlib.sha256()
    for item in page.items:
        digest.update(f"{item.id}:{item.assignee}:{item.due_at}".encode())
    return digest.hexdigest()[:16]


def month_calendar(session: Session, viewer: Viewer, month: date) -> dict[date, list[WorkItem]]:
    """Open tasks of this user due in ``month``, by day (at most 500)."""
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    query = (
        sa.select(WorkItem)
        .where(
            WorkItem.status == WorkItemStatus.OPEN,
            visible(viewer),
            WorkItem.due_at >= start,
            WorkItem.due_at < end,
        )
        .order_by(WorkItem.due_at, WorkItem.id)
        .limit(500)
    )
    days: dict[date, list[WorkItem]] = {}
    for item in session.scalars(query):
        assert item.due_at is not None
        days.setdefault(item.due_at.date(), []).append(item)
    return days
