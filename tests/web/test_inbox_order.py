"""The queue sorted by priority: the order users see, page after page, read off its index."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from web.inbox import queries
from web.inbox.queries import Filters, Viewer

from .api.world import World, files

HERE = Path(__file__).parent / "bpmn"
ANNA = Viewer("anna", frozenset({"sales"}))
BY_PRIORITY = Filters(scope="queue", sort="priority")


def fill_the_sales_queue(world: World) -> None:
    """Besides the world's call (priority 50, due in 2 h): undated tasks at 50 (``ask``)
    and tasks at 70 due later than the call (``simple`` with no owner goes to the queue)."""
    world.engine.deploy(files(HERE, "ask.bpmn", "ask_start.json", "ask_quote.json"), user="olga")
    for n in range(3):
        world.engine.start("ask", {"company": f"Ask {n}"}, user="anna")
        world.engine.start("simple", {"company": f"Simple {n}", "owner": None}, user="anna")


def expected_order(world: World) -> list[str]:
    """The rule, written independently of the query: most urgent first, then soonest
    due, undated last, then by id."""
    tasks = [t for t in world.engine.tasks("anna", scope="group") if t["assignee"] is None]

    def key(task: dict[str, Any]) -> tuple[Any, ...]:
        due = task["due_at"]
        return (-task["priority"], due is None, due or datetime.min.replace(tzinfo=UTC))

    by_id = sorted(tasks, key=lambda t: uuid.UUID(t["id"]))
    return [t["id"] for t in sorted(by_id, key=key)]


def test_the_queue_by_priority_puts_urgent_first_and_undated_last(world: World) -> None:
    fill_the_sales_queue(world)
    with world.engine.session() as session:
        page = queries.list_page(session, ANNA, BY_PRIORITY, datetime.now(UTC))
    shown = [(item.priority, item.due_at is None) for item in page.items]
    assert shown == [(70, False)] * 3 + [(50, False)] + [(50, True)] * 3
    assert [str(item.id) for item in page.items] == expected_order(world)


def test_pages_of_two_by_priority_continue_without_gaps_or_repeats(world: World) -> None:
    fill_the_sales_queue(world)
    seen: list[str] = []
    cursor = None
    with world.engine.session() as session:
        for _ in range(10):
            filters = Filters(scope="queue", sort="priority", limit=2, cursor=cursor)
            page = queries.list_page(session, ANNA, filters, datetime.now(UTC))
            seen += [str(item.id) for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == expected_order(world)


def test_the_queue_by_priority_is_read_off_its_index_without_sorting(world: World) -> None:
    """A sort step here means the query's ORDER BY and ``ix_work_item_group_priority``
    drifted apart: at 100,000 tasks that is every queued row sorted per page view."""
    statement = queries.page_query(ANNA, BY_PRIORITY, datetime.now(UTC))
    with world.engine.session() as session:
        dialect = session.get_bind().dialect
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plan = [row[-1] for row in session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
        else:  # a table this small is cheaper to sort: make the planner show its choice
            session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            session.execute(sa.text("SET LOCAL enable_sort = off"))
            plan = [row[0] for row in session.execute(sa.text(f"EXPLAIN {sql}"))]
    text = "\n".join(plan)
    assert "ix_work_item_group_priority" in text, text
    assert "TEMP B-TREE" not in text and "Sort" not in text, text
