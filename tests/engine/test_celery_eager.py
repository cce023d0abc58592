"""Embedded mode: the Celery tasks run in-process without a broker; a thread fires timers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import click
import pytest
import sqlalchemy as sa
from celery import Celery
from sqlalchemy.exc import OperationalError

from clientflow_cli import runtime
from engine import Engine, ManualClock, NotFound, OperatorError, add_user, using_clock
from engine._celery import (
    DEFAULT_VISIBILITY_TIMEOUT,
    VISIBILITY_TIMEOUT_ENV,
    make_celery,
    start_timer_thread,
)
from engine.models import Job

from ..conftest import bundle

SIMPLE = ("simple.bpmn", "enter.json", "approve.json")


@pytest.fixture
def app(engine: Engine) -> Celery:
    add_user(engine, "anna", groups=["sales"])
    engine.deploy(bundle(*SIMPLE))
    engine.deploy(bundle("timer.bpmn"))
    return make_celery(lambda: engine, None)


def _run(app: Celery, name: str, *args: Any) -> Any:
    return app.tasks[name].delay(*args).get(timeout=30)


def _actions(engine: Engine, instance_id: str) -> list[str]:
    return [h["action"] for h in engine.instance(instance_id)["history"]]


def test_settings_make_a_lost_worker_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VISIBILITY_TIMEOUT_ENV, raising=False)
    eager = make_celery(lambda: cast(Engine, None), None).conf
    assert eager.task_always_eager
    assert eager.broker_url == "memory://"
    monkeypatch.setenv(VISIBILITY_TIMEOUT_ENV, "10")
    conf = make_celery(lambda: cast(Engine, None), "redis://127.0.0.1:6379/9").conf
    assert not conf.task_always_eager
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit < DEFAULT_VISIBILITY_TIMEOUT
    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.broker_transport_options["visibility_timeout"] == 10
    assert conf.broker_transport_options["unacked_restore_interval"] == 5
    sweep = conf.beat_schedule["clientflow-fire-due-timers"]
    assert (sweep["task"], sweep["schedule"]) == ("clientflow.fire_due_timers", 5.0)
    monkeypatch.setenv(VISIBILITY_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match=VISIBILITY_TIMEOUT_ENV):
        make_celery(lambda: cast(Engine, None), "redis://127.0.0.1:6379/9")


def test_start_and_complete_run_in_process(app: Celery, engine: Engine) -> None:
    started = _run(app, "clientflow.start", "simple", {"owner": "anna", "company": "X"}, "anna")
    assert started["outcome"] == "started"
    [item] = engine.tasks("anna")
    done = _run(app, "clientflow.complete_task", item["id"], {"amount": 10}, "anna")
    assert done["outcome"] == "completed"
    assert done["instance"]["status"] == "completed"
    assert done["instance"]["revision"] == 2


def test_completing_twice_reports_the_first_outcome(app: Celery, engine: Engine) -> None:
    inst = _run(app, "clientflow.start", "simple", {"owner": "anna", "company": "X"})["instance"]
    [item] = engine.tasks("anna")
    _run(app, "clientflow.complete_task", item["id"], {"amount": 10}, "anna")
    again = _run(app, "clientflow.complete_task", item["id"], {"amount": 99}, "anna")
    assert again["outcome"] == "conflict"
    assert "already done by anna" in again["detail"]
    assert (again["task"]["status"], again["task"]["completed_by"]) == ("done", "anna")
    detail = engine.instance(inst["id"])
    assert detail["revision"] == 2
    assert _actions(engine, inst["id"]).count("task_completed") == 1
    assert detail["data"]["amount"] == 10


def test_errors_that_will_not_pass_reach_the_caller(app: Celery) -> None:
    with pytest.raises(NotFound):
        _run(app, "clientflow.complete_task", str(uuid.uuid4()), {}, "anna")


def test_messages_start_and_correlate(engine: Engine) -> None:
    engine.deploy(bundle("reply.bpmn"))
    app = make_celery(lambda: engine, None)
    first = _run(app, "clientflow.send_message", "new_request", {}, {"seq": 7})
    assert first["outcome"] == "started"
    reply = _run(app, "clientflow.send_message", "customer_reply", {"case_number": "CASE-7"}, {})
    assert reply["outcome"] == "delivered"
    assert reply["instance"]["id"] == first["instance"]["id"]
    late = _run(app, "clientflow.send_message", "customer_reply", {"case_number": "CASE-7"}, {})
    assert late["outcome"] == "unmatched"


def test_sweep_fires_a_due_timer_once(app: Celery, engine: Engine) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    with using_clock(clock):
        inst = _run(app, "clientflow.start", "timer_test", {})["instance"]
        job_id = _job_ids(engine)[0]
        assert _run(app, "clientflow.fire_due_timers") == 0
        assert _run(app, "clientflow.fire_timer", job_id) is False  # not due yet
        clock.advance(seconds=2)
        assert _run(app, "clientflow.fire_due_timers") == 1
        assert _run(app, "clientflow.fire_timer", job_id) is False  # already fired
        assert _run(app, "clientflow.fire_due_timers") == 0
    assert _actions(engine, inst["id"]).count("timer_fired") == 1
    assert [t["task"] for t in engine.instance(inst["id"])["active_tasks"]] == ["follow_up"]


def test_timer_thread_fires_due_timers_and_stops(app: Celery, engine: Engine) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    with using_clock(clock):
        inst = _run(app, "clientflow.start", "timer_test", {})["instance"]
        thread = start_timer_thread(engine, interval=0.02)
        try:
            assert thread.daemon
            time.sleep(0.1)  # several ticks while nothing is due
            assert "timer_fired" not in _actions(engine, inst["id"])
            clock.advance(seconds=2)
            _poll(lambda: "timer_fired" in _actions(engine, inst["id"]))
        finally:
            thread.stop()
    assert not thread.is_alive()
    assert _actions(engine, inst["id"]).count("timer_fired") == 1
    assert _job_ids(engine) == []


def test_timer_thread_survives_a_failing_tick() -> None:
    calls: list[int] = []

    class Failing:
        def fire_due_timers(self, limit: int) -> int:
            calls.append(limit)
            raise OperationalError("SELECT", {}, Exception("database went away"))

    thread = start_timer_thread(cast(Engine, Failing()), interval=0.01)
    try:
        _poll(lambda: len(calls) >= 3)
    finally:
        thread.stop()
    assert not thread.is_alive()


class Flaky:
    """An engine stand-in whose ``complete_task`` fails ``failures`` times first."""

    def __init__(self, failures: int, error: Callable[[], Exception]) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def complete_task(self, task_id: str, data: Any, user: str | None) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error()
        return {"id": task_id, "revision": 2}


def _lost() -> Exception:
    return OperationalError("UPDATE", {}, Exception("server closed the connection"))


@pytest.mark.parametrize(
    "error", [_lost, lambda: OperatorError("CRM busy", retryable=True)], ids=["db", "engine"]
)
def test_passing_errors_are_retried(error: Callable[[], Exception]) -> None:
    flaky = Flaky(2, error)
    app = make_celery(lambda: cast(Engine, flaky), None)
    result = _run(app, "clientflow.complete_task", "t1", {}, None)
    assert result == {"outcome": "completed", "instance": {"id": "t1", "revision": 2}}
    assert flaky.calls == 3


def test_retries_end_with_the_error() -> None:
    flaky = Flaky(100, _lost)
    app = make_celery(lambda: cast(Engine, flaky), None)
    with pytest.raises(OperationalError):
        _run(app, "clientflow.complete_task", "t1", {}, None)
    assert flaky.calls == app.tasks["clientflow.complete_task"].max_retries + 1


def test_errors_that_will_not_pass_are_not_retried() -> None:
    flaky = Flaky(1, lambda: OperatorError("CRM refused"))
    app = make_celery(lambda: cast(Engine, flaky), None)
    with pytest.raises(OperatorError):
        _run(app, "clientflow.complete_task", "t1", {}, None)
    assert flaky.calls == 1


@pytest.fixture
def fresh_runtime() -> Iterator[None]:
    runtime.get_celery_app.cache_clear()
    yield
    runtime.get_celery_app.cache_clear()


@pytest.mark.usefixtures("fresh_runtime")
def test_runtime_app_is_created_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENTFLOW_BROKER_URL", raising=False)
    app = runtime.celery_app
    assert app is runtime.celery_app
    assert app.main == "clientflow"
    assert app.conf.task_always_eager
    assert "clientflow.complete_task" in app.tasks
    with pytest.raises(click.ClickException, match="CLIENTFLOW_BROKER_URL"):
        runtime.worker_main([])
    with pytest.raises(click.ClickException, match="CLIENTFLOW_BROKER_URL"):
        runtime.beat_main([])


@pytest.mark.usefixtures("fresh_runtime")
def test_runtime_app_reads_the_broker_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTFLOW_BROKER_URL", "redis://127.0.0.1:6379/9")
    assert not runtime.celery_app.conf.task_always_eager
    assert runtime.celery_app.conf.broker_url == "redis://127.0.0.1:6379/9"


def _job_ids(engine: Engine) -> list[str]:
    with engine.session() as s:
        return [str(i) for i in s.scalars(sa.select(Job.id)).all()]


def _poll(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)
