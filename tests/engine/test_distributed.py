"""Many processes on one PostgreSQL and one Redis: real workers, real kills, real races.

Workers are ``celery -A clientflow_cli.runtime:celery_app worker`` subprocesses,
each in its own session so that a kill takes its pool processes with it; they
are always killed at teardown. Each run claims a Redis database of its own
(flushed before and after each test), and each test gets its own PostgreSQL
schema. Every test asserts what the database holds, not what a task returned.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa
from celery import Celery

from engine import Conflict, Database, Engine, OperatorRegistry, add_user
from engine._celery import VISIBILITY_TIMEOUT_ENV, make_celery
from engine._clock import now
from engine.models import AuditEntry, Instance, Job, WorkItem

from ..conftest import NO_REDIS, REDIS_URL, bundle, make_engine
from . import slow_ops

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = ("simple.bpmn", "enter.json", "approve.json")
CLAIM_TTL = 900  # seconds a run may hold its Redis database

SLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="slow_step" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="enter" name="Enter"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:serviceTask id="slow" name="Slow write">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="test.slow" resultVariable="slow_result">
          <spiffworkflow:parameters />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:userTask id="check" name="Check"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="enter" />
    <bpmn:sequenceFlow id="f2" sourceRef="enter" targetRef="slow" />
    <bpmn:sequenceFlow id="f3" sourceRef="slow" targetRef="check" />
    <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


# -- fixtures: a Redis database of our own, workers as subprocesses -----------------------


@pytest.fixture(scope="module")
def redis_db() -> Iterator[int]:
    """Claim a Redis database number no concurrent run uses (claims live in the base db)."""
    if not REDIS_URL:
        pytest.skip(NO_REDIS)
    base = redis.Redis.from_url(REDIS_URL)
    base_db = int(urlsplit(REDIS_URL).path.strip("/") or 0)
    token = uuid.uuid4().hex
    for number in (n for n in range(1, 16) if n != base_db):
        key = f"clientflow-test:db:{number}"
        if base.set(key, token, nx=True, ex=CLAIM_TTL):
            try:
                yield number
            finally:
                if base.get(key) == token.encode():
                    base.delete(key)
                base.close()
            return
    base.close()
    pytest.fail("no free Redis database among 1..15 for this test run")


@pytest.fixture
def broker(redis_db: int) -> Iterator[str]:
    """The run's Redis database as a broker URL, empty before and after each test."""
    assert REDIS_URL is not None  # redis_db skipped otherwise
    url = urlsplit(REDIS_URL)._replace(path=f"/{redis_db}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """The test's own engine on the test's schema (workers build theirs from the URL)."""
    operators = OperatorRegistry()
    slow_ops.register(operators)
    eng = make_engine(pg_url, operators)
    slow_ops.SLOW_NOTES.create(eng.db.engine)
    add_user(eng, "anna", groups=["sales"])
    add_user(eng, "boris", groups=["sales_managers"])
    eng.deploy(bundle(*SIMPLE))
    eng.deploy(bundle("timer.bpmn"))
    eng.deploy({"slow.bpmn": SLOW})
    yield eng
    eng.db.dispose()


class Cluster:
    """Worker and beat subprocesses over one schema and one broker, plus a producer app."""

    def __init__(self, engine: Engine, db_url: str, broker: str, tmp: Path) -> None:
        self.engine, self.tmp = engine, tmp
        self.redis = redis.Redis.from_url(broker)
        self.app: Celery = make_celery(lambda: engine, broker)
        self.marker = tmp / "slow.marker"
        self.env = {
            **os.environ,
            "CLIENTFLOW_DATABASE_URL": db_url,
            "CLIENTFLOW_BROKER_URL": broker,
            "CLIENTFLOW_PLUGINS": "tests.engine.slow_ops",
            slow_ops.MARKER_ENV: str(self.marker),
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.suffix = uuid.uuid4().hex[:6]

    def worker(self, name: str, concurrency: int = 2, **env: str) -> subprocess.Popen[bytes]:
        """Start ``celery worker`` in a session of its own (so a kill reaches its pool)."""
        args = ["-m", "celery", "-A", "clientflow_cli.runtime:celery_app", "worker"]
        args += [f"--hostname={name}-{self.suffix}@%h", "--pool=prefork", "--loglevel=INFO"]
        args += [f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"]
        return self._spawn(name, [*args, "--without-heartbeat"], env)

    def beat(self) -> subprocess.Popen[bytes]:
        """Start beat through ``clientflow_cli.runtime.beat_main``."""
        code = "import sys; from clientflow_cli.runtime import beat_main; beat_main(sys.argv[1:])"
        return self._spawn("beat", ["-c", code, f"--schedule={self.tmp / 'beat-schedule'}"], {})

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_ready(self, *names: str) -> None:
        for name in names:

            def ready(name: str = name) -> bool:
                return " ready." in self.log(name)

            poll(ready, 20, f"{name} to be ready", self)

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything it started, as a lost machine would."""
        proc = self.procs[name]
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may have just ended
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def send(self, name: str, *args: Any) -> None:
        self.app.send_task(name, args=list(args))

    def drained(self) -> bool:
        """No message waiting in a queue, none delivered but unacknowledged."""
        queued = sum(self.redis.llen(k) for k in self.redis.scan_iter("celery*", _type="list"))
        return queued == 0 and self.redis.hlen("unacked") == 0

    def wait_drained(self) -> None:
        """Drained twice in a row: a message moving from queue to unacked is never missed."""

        def settled() -> bool:
            if not self.drained():
                return False
            time.sleep(0.1)
            return self.drained()

        poll(settled, 30, "the queue to drain", self)

    def close(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        self.app.close()
        self.redis.close()


@pytest.fixture
def cluster(engine: Engine, pg_url: str, broker: str, tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(engine, pg_url, broker, tmp_path)
    try:
        yield c
    finally:
        c.close()


def poll(
    condition: Callable[[], bool], timeout: float, what: str, c: Cluster | None = None
) -> None:
    """Wait for ``condition`` a bounded time; on failure show the subprocess logs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {n}\n{c.log(n)[-3000:]}" for n in c.procs) if c else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")
        time.sleep(0.05)


# -- database reads -----------------------------------------------------------------------


def _scalar(engine: Engine, query: Any) -> Any:
    with engine.session() as s:
        return s.scalar(query)


def _scalar_row(engine: Engine, query: Any) -> Any:
    with engine.session() as s:
        return s.execute(query).one()


def _revision(engine: Engine, instance_id: str) -> int:
    return int(_scalar(engine, sa.select(Instance.revision).where(Instance.id == _id(instance_id))))


def _audit(engine: Engine, instance_id: str, action: str) -> int:
    query = sa.select(sa.func.count()).where(
        AuditEntry.instance_id == _id(instance_id), AuditEntry.action == action
    )
    return int(_scalar(engine, query))


def _items(engine: Engine, instance_id: str) -> list[tuple[str, str, str | None]]:
    with engine.session() as s:
        rows = s.execute(
            sa.select(WorkItem.task_name, WorkItem.status, WorkItem.completed_by)
            .where(WorkItem.instance_id == _id(instance_id))
            .order_by(WorkItem.created_at, WorkItem.task_name)
        ).all()
    return [(r.task_name, r.status, r.completed_by) for r in rows]


def _id(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _start_simple(engine: Engine, count: int) -> list[tuple[str, str]]:
    """Start ``count`` instances; (instance id, id of its open 'enter' task) each."""
    started = []
    for n in range(count):
        inst = engine.start("simple", {"owner": "anna", "company": f"C{n}"}, user="anna")
        [item] = engine.instance(inst["id"])["active_tasks"]
        started.append((inst["id"], item["id"]))
    assert len({t for _, t in started}) == count
    return started


# -- a. two OS processes complete the same task at the same moment ------------------------


def _complete_in_process(
    url: str, task_ids: list[str], amount: int, barrier: Any, out: Any
) -> None:
    """Child process: complete each task as anna, released together with the other child."""
    engine = Engine(Database(url))
    for task_id in task_ids:
        engine.task(task_id)  # connect and parse the spec before the race, not during it
    for task_id in task_ids:
        barrier.wait(timeout=30)
        try:
            result = engine.complete_task(task_id, {"amount": amount}, user="anna")
            out.put((task_id, amount, "ok", result["revision"]))
        except Conflict as exc:
            out.put((task_id, amount, "conflict", exc.message))
        except Exception as exc:
            out.put((task_id, amount, "error", repr(exc)))
    engine.db.dispose()


@pytest.mark.postgres
def test_two_processes_complete_one_task_exactly_once(engine: Engine, pg_url: str) -> None:
    started = _start_simple(engine, 5)
    task_ids = [t for _, t in started]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_complete_in_process, args=(pg_url, task_ids, amount, barrier, out))
        for amount in (600, 700)
    ]
    try:
        for proc in procs:
            proc.start()
        results = [out.get(timeout=60) for _ in range(2 * len(task_ids))]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    for instance_id, task_id in started:
        mine = [r for r in results if r[0] == task_id]
        assert sorted(r[2] for r in mine) == ["conflict", "ok"], mine
        [(_, winner, _, revision)] = [r for r in mine if r[2] == "ok"]
        [(_, _, _, message)] = [r for r in mine if r[2] == "conflict"]
        assert "was already done by anna" in message
        assert revision == 2 == _revision(engine, instance_id)
        assert _audit(engine, instance_id, "task_completed") == 1
        detail = engine.instance(instance_id)
        assert detail["data"]["amount"] == winner
        assert [(t["task"], t["status"]) for t in detail["tasks"]] == [
            ("enter", "done"),
            ("approve", "open"),
        ]


# -- b. 50 instances advanced by two workers, each message sent twice ---------------------


@pytest.mark.redis
def test_two_workers_advance_fifty_instances_exactly_once(engine: Engine, cluster: Cluster) -> None:
    started = _start_simple(engine, 50)
    cluster.worker("w1")
    cluster.worker("w2")
    cluster.wait_ready("w1", "w2")
    for _, task_id in started:
        for _ in range(2):  # a duplicate delivery, e.g. a client retrying
            cluster.send("clientflow.complete_task", task_id, {"amount": 600}, "anna")
    cluster.wait_drained()

    for instance_id, _ in started:
        assert _revision(engine, instance_id) == 2
        assert _audit(engine, instance_id, "task_completed") == 1
        assert _items(engine, instance_id) == [
            ("enter", "done", "anna"),
            ("approve", "open", None),
        ]
    logs = [cluster.log("w1"), cluster.log("w2")]
    assert sum(log.count("'outcome': 'completed'") for log in logs) == 50
    assert sum(log.count("'outcome': 'conflict'") for log in logs) == 50
    assert all("succeeded in" in log for log in logs), "both workers must have taken work"
    assert not any("Traceback" in log for log in logs)


# -- c. a worker killed mid-step: the step rolls back and reruns once ----------------------


def _killed_mid_step(engine: Engine, cluster: Cluster) -> tuple[str, str]:
    """Start the slow process; send its step; return once the step is inside ``test.slow``."""
    inst = engine.start("slow_step")
    [item] = [i for i in engine.tasks(None, scope="all") if i["instance_id"] == inst["id"]]
    slow_ops.hold_file(cluster.marker).touch()
    cluster.send("clientflow.complete_task", item["id"], {"note": "x"}, None)
    poll(lambda: bool(_marker_pids(cluster)), 20, "the step to reach test.slow", cluster)
    return inst["id"], _marker_pids(cluster)[0]


def _marker_pids(cluster: Cluster) -> list[str]:
    """Process ids of the runs of ``test.slow`` so far."""
    return cluster.marker.read_text().split() if cluster.marker.exists() else []


def _assert_before_step(engine: Engine, instance_id: str) -> None:
    assert _revision(engine, instance_id) == 1
    assert _audit(engine, instance_id, "task_completed") == 0
    assert _items(engine, instance_id) == [("enter", "open", None)]
    assert _scalar(engine, sa.select(sa.func.count()).select_from(slow_ops.SLOW_NOTES)) == 0


def _assert_step_done_once(engine: Engine, cluster: Cluster, instance_id: str, dead: str) -> None:
    poll(lambda: _revision(engine, instance_id) == 2, 30, "the step to rerun", cluster)
    cluster.wait_drained()
    assert _revision(engine, instance_id) == 2
    assert _audit(engine, instance_id, "task_completed") == 1
    assert _items(engine, instance_id) == [("enter", "done", None), ("check", "open", None)]
    with engine.session() as s:
        [note] = s.execute(sa.select(slow_ops.SLOW_NOTES)).all()
    assert str(note.pid) != dead, "the killed step's write must have rolled back"
    assert len(_marker_pids(cluster)) == 2  # ran twice, committed once


@pytest.mark.redis
def test_worker_killed_mid_step_reruns_on_a_new_worker(engine: Engine, cluster: Cluster) -> None:
    # a short visibility timeout so Redis hands the unacknowledged message on quickly
    cluster.worker("w1", concurrency=1, **{VISIBILITY_TIMEOUT_ENV: "3"})
    instance_id, pid = _killed_mid_step(engine, cluster)
    cluster.kill("w1")
    _assert_before_step(engine, instance_id)
    assert cluster.redis.hlen("unacked") == 1  # not acknowledged: waiting for redelivery
    slow_ops.hold_file(cluster.marker).unlink()
    cluster.worker("w2", concurrency=1, **{VISIBILITY_TIMEOUT_ENV: "3"})
    _assert_step_done_once(engine, cluster, instance_id, pid)


@pytest.mark.redis
def test_pool_process_killed_mid_step_is_requeued(engine: Engine, cluster: Cluster) -> None:
    cluster.worker("w1", concurrency=1)
    instance_id, pid = _killed_mid_step(engine, cluster)
    os.kill(int(pid), signal.SIGKILL)  # the worker lives on; task_reject_on_worker_lost
    poll(lambda: len(_marker_pids(cluster)) == 2, 20, "the requeued step", cluster)
    _assert_before_step(engine, instance_id)  # the rerun holds inside its step, uncommitted
    slow_ops.hold_file(cluster.marker).unlink()
    _assert_step_done_once(engine, cluster, instance_id, pid)
    assert "WorkerLostError" in cluster.log("w1")


# -- d. a timer that fell due while no worker ran fires once ------------------------------


@pytest.mark.redis
def test_timer_due_while_no_worker_ran_fires_once(engine: Engine, cluster: Cluster) -> None:
    instance_id = engine.start("timer_test")["id"]
    job_id, due_at = _scalar_row(engine, sa.select(Job.id, Job.due_at))
    poll(lambda: now() >= due_at, 5, "the timer to fall due")
    assert _audit(engine, instance_id, "timer_fired") == 0  # due, and nobody to fire it

    cluster.beat()
    cluster.worker("w1")
    cluster.worker("w2")
    for _ in range(3):  # sweeps and direct fires racing on the two workers
        cluster.send("clientflow.fire_due_timers")
    for _ in range(2):
        cluster.send("clientflow.fire_timer", str(job_id))
    poll(lambda: _audit(engine, instance_id, "timer_fired") == 1, 20, "the timer", cluster)
    poll(lambda: len(_sweeps(cluster)) == 4, 15, "beat's sweep after the three sent", cluster)
    cluster.kill("beat")  # beat's next sweep is 5 s away: the count stays 4
    cluster.wait_drained()

    assert _audit(engine, instance_id, "timer_fired") == 1
    assert _revision(engine, instance_id) == 2
    assert _scalar(engine, sa.select(sa.func.count()).select_from(Job)) == 0
    assert _items(engine, instance_id) == [("follow_up", "open", None)]
    assert engine.instance(instance_id)["data"]["fired"] is True
    logs = cluster.log("w1") + cluster.log("w2")
    fired = re.findall(r"fire_timer\[[^]]+\] succeeded in [0-9.]+s: (\w+)", logs)
    assert fired.count("True") == 1
    # every fire ran (two sent, the rest enqueued by sweeps); all but one found it fired
    assert len(fired) == 2 + sum(int(n) for n in _sweeps(cluster))


def _sweeps(cluster: Cluster) -> list[str]:
    """How many timers each finished sweep enqueued, from the workers' logs."""
    logs = cluster.log("w1") + cluster.log("w2")
    return re.findall(r"fire_due_timers\[[^]]+\] succeeded in [0-9.]+s: (\d+)", logs)
