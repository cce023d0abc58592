"""Cycle timers: each due time fires once, even when two workers race for it."""

from __future__ import annotations

import contextvars
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import engine._instances as instances
from engine import Engine, ManualClock, using_clock
from engine.models import AuditEntry, Job

from ..conftest import bundle, make_engine

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _fired(engine: Engine, instance_id: str) -> int:
    with engine.session() as s:
        query = sa.select(sa.func.count()).where(
            AuditEntry.instance_id == uuid.UUID(instance_id), AuditEntry.action == "timer_fired"
        )
        return int(s.scalar(query) or 0)


def _job(engine: Engine) -> tuple[uuid.UUID, datetime]:
    with engine.session() as s:
        [(job_id, due)] = s.execute(sa.select(Job.id, Job.due_at)).all()
    return job_id, due


def test_cycle_timer_fires_once_per_due_time_and_rearms(engine: Engine) -> None:
    engine.deploy(bundle("cycle.bpmn"))
    clock = ManualClock(T0)
    with using_clock(clock):
        inst = engine.start("cycle_test")
        job_id, due = _job(engine)
        assert due == T0.replace(hour=10)
        clock.advance(hours=1, seconds=1)  # Spiff fires a cycle once its time has passed
        assert engine.fire_timer(job_id) is True
        assert engine.fire_timer(job_id) is False  # re-armed for 11:00, not due yet
        assert _job(engine) == (job_id, T0.replace(hour=11))
        assert engine.fire_due_timers() == 0
        clock.advance(hours=1)
        assert engine.fire_due_timers() == 1
    assert _fired(engine, inst["id"]) == 2


def test_worker_that_waited_for_the_lock_does_not_fire_a_rearmed_cycle_timer(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B reads the due job, then waits on the instance lock while worker A fires it.

    A's step re-arms the cycle timer (same task id, due an hour later); when B
    gets the lock it must see that and fire nothing. Real PostgreSQL, real
    row locks; the wrapper only orders the two threads.
    """
    engine = make_engine(pg_url)
    try:
        engine.deploy(bundle("cycle.bpmn"))
        clock = ManualClock(T0)
        with using_clock(clock):
            inst = engine.start("cycle_test")
            job_id, _ = _job(engine)
            clock.advance(hours=1, seconds=1)
            a_locked, b_waiting = threading.Event(), threading.Event()
            real_open_step = instances.open_step

            def ordered_open_step(*args: Any) -> Any:
                if threading.current_thread().name == "worker-a":
                    step = real_open_step(*args)
                    a_locked.set()
                    assert b_waiting.wait(10)
                    return step
                b_waiting.set()  # B has read the job row as due; now it waits for A's lock
                return real_open_step(*args)

            monkeypatch.setattr(instances, "open_step", ordered_open_step)
            results: dict[str, bool] = {}

            def worker(name: str) -> None:
                results[name] = engine.fire_timer(job_id)

            a = threading.Thread(
                target=contextvars.copy_context().run, args=(worker, "worker-a"), name="worker-a"
            )
            b = threading.Thread(
                target=contextvars.copy_context().run, args=(worker, "worker-b"), name="worker-b"
            )
            a.start()
            assert a_locked.wait(10)
            b.start()
            a.join(20)
            b.join(20)
        assert results == {"worker-a": True, "worker-b": False}
        assert _fired(engine, inst["id"]) == 1
        assert _job(engine) == (job_id, T0.replace(hour=11))
    finally:
        engine.db.dispose()


def test_cycle_timer_fires_at_its_exact_due_instant_and_rearms(engine: Engine) -> None:
    """At 10:00:00.000000 sharp the 10:00 cycle fires once and re-arms for 11:00.

    Spiff compared ``due < now``: at the due instant the step logged
    ``timer_fired``, fired nothing, and left the job due for ever.
    """
    engine.deploy(bundle("cycle.bpmn"))
    clock = ManualClock(T0)
    with using_clock(clock):
        inst = engine.start("cycle_test")
        job_id, due = _job(engine)
        clock.current = due  # exactly the due time
        assert engine.fire_due_timers() == 1
        assert _job(engine) == (job_id, T0.replace(hour=11))
        assert engine.fire_timer(job_id) is False  # same instant: the next cycle is not due
        assert engine.fire_due_timers() == 0
        assert _fired(engine, inst["id"]) == 1
        clock.current = T0.replace(hour=11)
        assert engine.fire_due_timers() == 1
        assert _job(engine) == (job_id, T0.replace(hour=12))
    assert _fired(engine, inst["id"]) == 2
    assert engine.instance(inst["id"])["active_tasks"][0]["task"] == "work"


def test_duration_timer_fires_at_its_exact_due_instant(engine: Engine) -> None:
    engine.deploy(bundle("timer.bpmn"))
    clock = ManualClock(T0)
    with using_clock(clock):
        inst = engine.start("timer_test")
        job_id, due = _job(engine)
        assert due == T0 + timedelta(seconds=1)
        clock.current = due
        assert engine.fire_timer(job_id) is True
    detail = engine.instance(inst["id"])
    assert detail["data"]["fired"] is True
    assert [t["task"] for t in detail["active_tasks"]] == ["follow_up"]
    with engine.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
