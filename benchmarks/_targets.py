"""What the engine suite measures: raw SpiffWorkflow in memory, and our engine on a database.

Both sides run the same BPMN (``bpmn/bench_loop.bpmn``): start -> user task
``work`` (in lane ``sales``, no ``dueIn``) -> gateway, back to ``work`` while
``again`` is true. Starting runs to the first user task; completing runs the
user task and the gateway up to the next ``work``, so both sides do the same
Spiff work and the engine's figures differ only by what it adds.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import Database, Engine
from engine._db import normalise_url
from engine.models import WorkItem, WorkItemStatus

BPMN_FILE = Path(__file__).parent / "bpmn" / "bench_loop.bpmn"
PROCESS_KEY = "bench_loop"
AGAIN: dict[str, Any] = {"again": True}
PG_ENV = "CLIENTFLOW_TEST_DATABASE_URL"


class Ceiling:
    """Raw SpiffWorkflow in memory with its default script engine: the upper bound."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        self.spec = parser.get_spec(PROCESS_KEY)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)

    def start(self) -> BpmnWorkflow:
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.do_engine_steps()
        return workflow

    def complete(self, workflow: BpmnWorkflow, task_id: uuid.UUID) -> None:
        task = workflow.get_task_from_id(task_id)
        task.data.update(AGAIN)
        task.run()
        workflow.do_engine_steps()

    @staticmethod
    def ready_task(workflow: BpmnWorkflow) -> uuid.UUID:
        """The id of the one ready user task (checked: a benchmark of nothing is worthless)."""
        [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
        if task.task_spec.name != "work":
            raise AssertionError(f"expected the user task 'work', got {task.task_spec.name}")
        task_id: uuid.UUID = task.id
        return task_id


def prepare(url: str) -> Engine:
    """An engine over ``url`` with the schema created and the benchmark process deployed."""
    engine = Engine(Database(url))
    engine.create_schema()
    engine.deploy({BPMN_FILE.name: BPMN_FILE.read_text(encoding="utf-8")})
    return engine


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    """The engine on a SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="clientflow-bench-") as folder:
        engine = prepare(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        try:
            yield engine
        finally:
            engine.db.dispose()


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` (as tests/conftest.py does)."""
    parsed = sa.make_url(normalise_url(url))
    options = {"options": f"-csearch_path={schema}"}
    return parsed.update_query_dict(options).render_as_string(hide_password=False)


@contextmanager
def postgresql_engine(url: str) -> Iterator[Engine]:
    """The engine on a fresh schema of the server at ``url``, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(schema_url(url, "public"))
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            engine = prepare(schema_url(url, schema))
            try:
                yield engine
            finally:
                engine.db.dispose()
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    finally:
        admin.dispose()


def open_tasks(engine: Engine, instance_id: str | None = None) -> dict[str, uuid.UUID]:
    """Instance id -> id of its open user task, read straight from the inbox table."""
    query = sa.select(WorkItem.instance_id, WorkItem.id).where(
        WorkItem.status == WorkItemStatus.OPEN
    )
    if instance_id is not None:
        query = query.where(WorkItem.instance_id == uuid.UUID(instance_id))
    with engine.session() as session:
        return {str(instance): task for instance, task in session.execute(query)}


def postgresql_reference(engine: Engine, count: int) -> dict[str, float]:
    """Bare-driver floor: one round trip, and one durable write (BEGIN, INSERT, COMMIT).

    The connection is taken out of the pool and closed afterwards: what psycopg
    does on it (``ROLLBACK``, ``DROP``) drops the statements the engine prepared.
    """
    pooled = engine.db.engine.raw_connection()
    conn: Any = pooled.driver_connection
    pooled.detach()
    try:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE bench_commit (n integer)")
            conn.commit()
            trip = _median_ms(count, lambda: cur.execute("SELECT 1"))
            conn.rollback()

            def write() -> None:
                cur.execute("INSERT INTO bench_commit (n) VALUES (1)")
                conn.commit()

            commit = _median_ms(count, write)
            cur.execute("DROP TABLE bench_commit")
            conn.commit()
    finally:
        conn.close()
    return {"roundtrip_ms": trip, "commit_ms": commit}


def _median_ms(count: int, op: Callable[[], object]) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        op()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2] * 1000


def server_version(engine: Engine) -> str:
    with engine.session() as session:
        return str(session.execute(sa.text("SHOW server_version")).scalar_one())


def machine(postgresql: str | None, load: list[float] | None) -> dict[str, Any]:
    """What the figures depend on, so that two runs can be compared."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average": load,
        "python": platform.python_version(),
        "spiffworkflow": _version("SpiffWorkflow"),
        "sqlalchemy": sa.__version__,
        "psycopg": _version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgresql,
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def code_revision() -> str | None:
    """The git commit measured (``+dirty`` with local changes), if this is a checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load before the run: other work on the machine skews every figure."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None
