"""Inbox benchmark: the inbox page over 100,000 open tasks, server-side time per request.

The ``work_item`` table is filled with 100,000 open rows (bulk insert: this is
the engine's inbox table, not CRM data, and a benchmark fixture): 20,000
assigned to ``anna``, 50,000 in the sales queue, the rest in other groups. The
page is then requested through the Flask test client as ``anna`` (no network,
so the time is the server's: auth, counts, the list query, rendering) on
SQLite and, when ``CLIENTFLOW_TEST_DATABASE_URL`` is set, on PostgreSQL.

Run ``python -m benchmarks.inbox [--json] [--quick]`` or ``clientflow bench inbox``.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine import Database, Engine
from engine.models import WorkItem

from . import _standalone
from ._targets import PG_ENV, load_average, machine, schema_url

TASKS = 100_000
PAGES = {
    "mine_by_due": "/inbox",
    "mine_by_priority": "/inbox?sort=priority",
    "queue_by_due": "/inbox?scope=queue",
    "queue_by_priority": "/inbox?scope=queue&sort=priority",
    "overdue": "/inbox?scope=overdue",
    "poll_json": "/inbox/poll.json",
}
TARGET_MS = 100.0


def seed(engine: Engine, total: int) -> None:
    rng = random.Random(5)
    now = datetime.now(UTC)
    groups = ["sales", "support", "marketing", "finance"]
    rows = []
    for i in range(total):
        if i < total // 5:
            group, assignee = "sales", "anna"
        elif i < total * 7 // 10:
            group, assignee = "sales", None
        else:
            group, assignee = rng.choice(groups[1:]), None
        rows.append(
            {
                "id": uuid.uuid4(),
                "instance_id": uuid.uuid4(),
                "process_key": rng.choice(["lead_qualification", "deal_approval"]),
                "task_name": "call",
                "title": f"Call customer {i}",
                "group_name": group,
                "assignee": assignee,
                "customer_id": str(rng.randint(1, 5000)),
                "priority": rng.choice([30, 50, 70, 90]),
                "status": "open",
                "due_at": now + timedelta(hours=rng.randint(-200, 2000)),
                "created_at": now - timedelta(hours=rng.randint(0, 2000)),
            }
        )
    with engine.db.engine.begin() as connection:
        for start in range(0, total, 5000):
            connection.execute(sa.insert(WorkItem), rows[start : start + 5000])
        if engine.db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE work_item")


def measure(engine: Engine, repeats: int) -> dict[str, float]:
    from clientflow_cli.commands.demo import load_organisation
    from web import create_app

    load_organisation(engine)
    app = create_app(engine, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"username": "anna", "password": "demo"})
    assert response.status_code == 302, response.status_code
    figures = {}
    for name, path in PAGES.items():
        assert client.get(path).status_code == 200, path  # warm caches
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        figures[f"{name}_median_ms"] = round(statistics.median(times), 2)
        figures[f"{name}_p95_ms"] = round(sorted(times)[int(len(times) * 0.95) - 1], 2)
    return figures


def databases() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        yield "sqlite", f"sqlite:///{Path(tmp) / 'inbox.sqlite'}"
        pg = os.environ.get(PG_ENV)
        if pg:
            schema = f"bench_inbox_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(schema_url(pg, "public"))
            with admin.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
            try:
                yield "postgresql", schema_url(pg, schema)
            finally:
                with admin.begin() as connection:
                    connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()


def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    total = 10_000 if quick else TASKS
    repeats = 5 if quick else 30
    result: dict[str, Any] = {
        "tasks": total,
        "target_ms": TARGET_MS,
        "machine": machine(None, load_average()),
    }
    for name, url in databases():
        engine = Engine(Database(url))
        engine.create_schema()
        seed(engine, total)
        figures = measure(engine, repeats)
        engine.db.dispose()
        result[name] = figures
        if not json_output:
            print(f"{name}: {total} open tasks")
            for key, value in figures.items():
                print(f"  {key:<28} {value:8.2f} ms")
    return result


if __name__ == "__main__":
    raise SystemExit(_standalone.main(run, __doc__, "smaller sizes, for a smoke run"))
