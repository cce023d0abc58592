"""Request ids: a start, completion or message sent twice (a retry, a redelivery) acts once."""

from __future__ import annotations

import contextvars
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from celery import Celery

import engine._instances as instances
from engine import Conflict, Engine, FormInvalid, ManualClock, RequestIdReused, using_clock
from engine._celery import make_celery
from engine.models import AuditEntry, Instance, RequestKey

from ..conftest import bundle, make_engine


def _count(engine: Engine, model: Any, *where: Any) -> int:
    with engine.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def _audit(engine: Engine, action: str) -> int:
    return _count(engine, AuditEntry, AuditEntry.action == action)


def test_a_repeated_start_returns_the_first_result_and_starts_nothing(engine: Engine) -> None:
    engine.deploy(bundle("loop.bpmn"))
    first = engine.start("loop_test", {"n": 1}, request_id="req-1")
    again = engine.start("loop_test", {"n": 1}, request_id="req-1")
    assert again == first
    assert _count(engine, Instance) == 1
    assert _audit(engine, "started") == 1
    assert len(engine.tasks(None, scope="all")) == 1
    other = engine.start("loop_test", {"n": 3}, request_id="req-2")
    assert other["id"] != first["id"]
    assert _count(engine, Instance) == 2
    with engine.session() as s:
        stored = s.get(RequestKey, "req-1")
        assert stored is not None and str(stored.instance_id) == first["id"]


def test_a_repeated_message_is_delivered_once(engine: Engine) -> None:
    engine.deploy(bundle("reply_loop.bpmn"))
    engine.start("reply_loop_test")
    corr = {"case_number": "CASE-7"}
    first = engine.send_message("customer_note", corr, {"text": "hello"}, request_id="m-1")
    again = engine.send_message("customer_note", corr, {"text": "hello"}, request_id="m-1")
    assert first["outcome"] == "delivered"
    assert again == first
    assert _audit(engine, "message") == 1
    assert len(engine.tasks(None, scope="all")) == 1
    # without a request id, a second message is a second message (nobody waits for it now)
    assert engine.send_message("customer_note", corr, {"text": "x"})["outcome"] == "unmatched"


def test_a_repeated_start_message_starts_once_and_unmatched_is_remembered(engine: Engine) -> None:
    engine.deploy(bundle("reply.bpmn"))
    first = engine.send_message("new_request", {}, {"seq": 1}, request_id="s-1")
    again = engine.send_message("new_request", {}, {"seq": 1}, request_id="s-1")
    assert first["outcome"] == "started"
    assert again == first
    assert _count(engine, Instance) == 1
    late = {"case_number": "CASE-404"}
    assert engine.send_message("customer_reply", late, {}, request_id="u-1") == {
        "outcome": "unmatched",
        "instance": None,
    }
    engine.send_message("new_request", {}, {"seq": 404})  # now CASE-404 waits for a reply
    repeat = engine.send_message("customer_reply", late, {}, request_id="u-1")
    assert repeat == {"outcome": "unmatched", "instance": None}  # the first outcome, again
    assert _audit(engine, "message") == 0


def test_a_request_id_names_one_kind_of_request(engine: Engine) -> None:
    engine.deploy(bundle("loop.bpmn"))
    engine.start("loop_test", request_id="same")
    with pytest.raises(RequestIdReused, match="already used for a start, not for this message"):
        engine.send_message("anything", {}, {}, request_id="same")
    with pytest.raises(FormInvalid, match="request_id"):
        engine.start("loop_test", request_id="x" * 201)


@pytest.mark.parametrize(
    ("data", "user"),
    [
        ({"n": 2, "tag": "x"}, None),
        ({"n": 1, "tag": "x", "extra": True}, None),
        ({"n": 1, "tag": "x"}, "anna"),
    ],
    ids=["other-value", "more-data", "other-user"],
)
def test_a_request_id_reused_with_other_arguments_is_refused_and_does_nothing(
    engine: Engine, data: dict[str, Any], user: str | None
) -> None:
    engine.deploy(bundle("loop.bpmn"))
    first = engine.start("loop_test", {"n": 1, "tag": "x"}, request_id="r")
    with pytest.raises(RequestIdReused, match="already used for a start with other data") as info:
        engine.start("loop_test", data, user=user, request_id="r")
    assert isinstance(info.value, Conflict)  # old callers catching Conflict still do
    assert (info.value.key, info.value.used_for, info.value.same_kind) == ("r", "start", True)
    assert _count(engine, Instance) == 1
    # a faithful repeat (the same data, in another order) still gets the first result
    assert engine.start("loop_test", {"tag": "x", "n": 1}, request_id="r") == first


def test_a_message_id_reused_with_another_payload_is_refused(engine: Engine) -> None:
    engine.deploy(bundle("reply_loop.bpmn"))
    engine.start("reply_loop_test")
    corr = {"case_number": "CASE-7"}
    first = engine.send_message("customer_note", corr, {"text": "hello"}, request_id="m-1")
    assert first["outcome"] == "delivered"
    with pytest.raises(RequestIdReused, match="a message with other data"):
        engine.send_message("customer_note", corr, {"text": "bye"}, request_id="m-1")
    with pytest.raises(RequestIdReused):
        engine.send_message(
            "customer_note", {"case_number": "CASE-8"}, {"text": "hello"}, request_id="m-1"
        )
    assert _audit(engine, "message") == 1
    unmatched = engine.send_message("nobody_waits", {}, {"a": 1}, request_id="u-1")
    assert unmatched["outcome"] == "unmatched"
    with pytest.raises(RequestIdReused):  # the unmatched outcome remembers its data too
        engine.send_message("nobody_waits", {}, {"a": 2}, request_id="u-1")
    assert engine.send_message("nobody_waits", {}, {"a": 1}, request_id="u-1") == unmatched


def test_twins_racing_start_one_instance(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both pass the look-up before either commits; the key's uniqueness decides."""
    engine = make_engine(pg_url)
    try:
        engine.deploy(bundle("loop.bpmn"))
        engine.start("loop_test")  # warm the version cache: the starts are single statements
        both_looked = threading.Barrier(2, timeout=10)
        real_start = instances.start

        def start_together(*args: Any, **kwargs: Any) -> Any:
            both_looked.wait()
            return real_start(*args, **kwargs)

        monkeypatch.setattr(instances, "start", start_together)
        results: list[dict[str, Any]] = []

        def twin() -> None:
            results.append(engine.start("loop_test", {"twin": True}, request_id="twin"))

        threads = [threading.Thread(target=contextvars.copy_context().run, args=(twin,))]
        threads.append(threading.Thread(target=contextvars.copy_context().run, args=(twin,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(results) == 2 and results[0] == results[1]
        assert _count(engine, Instance) == 2  # the warm-up and one twin
        assert _audit(engine, "started") == 2
    finally:
        engine.db.dispose()


def test_a_redelivered_celery_task_acts_once(engine: Engine) -> None:
    """Celery redelivers a message under the same task id: that id is the request id."""
    engine.deploy(bundle("loop.bpmn"))
    engine.deploy(bundle("reply.bpmn"))
    app: Celery = make_celery(lambda: engine, None)
    task_id = str(uuid.uuid4())
    first = app.tasks["clientflow.start"].apply(("loop_test",), task_id=task_id).get()
    again = app.tasks["clientflow.start"].apply(("loop_test",), task_id=task_id).get()
    assert again == first
    assert _count(engine, Instance) == 1
    message = app.tasks["clientflow.send_message"]
    sent = message.apply(("new_request", {}, {"seq": 5}), task_id="redelivered").get()
    resent = message.apply(("new_request", {}, {"seq": 5}), task_id="redelivered").get()
    assert sent["outcome"] == "started" and resent == sent
    assert _count(engine, Instance) == 2
    assert (
        app.tasks["clientflow.start"].apply(("loop_test",)).get()["instance"]["id"]
        != (first["instance"]["id"])
    )


def test_old_request_ids_are_forgotten_and_beat_drops_them_daily(engine: Engine) -> None:
    engine.deploy(bundle("loop.bpmn"))
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    with using_clock(clock):
        engine.start("loop_test", request_id="old")
        clock.advance(days=6)
        engine.start("loop_test", request_id="recent")
        clock.advance(days=2)
        assert engine.forget_requests() == 1  # "old" is 8 days old, "recent" 2
        with engine.session() as s:
            assert s.scalars(sa.select(RequestKey.key)).all() == ["recent"]
        again = engine.start("loop_test", request_id="old")  # forgotten: a new request
    assert _count(engine, Instance) == 3 and again["id"]
    conf = make_celery(lambda: engine, None).conf
    daily = conf.beat_schedule["clientflow-forget-requests"]
    assert (daily["task"], daily["schedule"]) == ("clientflow.forget_requests", 86400.0)


def _enter_task(engine: Engine) -> str:
    engine.deploy(bundle("simple.bpmn", "enter.json", "approve.json"))
    engine.start("simple", {"owner": "anna", "company": "Acme"})
    [item] = engine.tasks(None, scope="all")
    return str(item["id"])


def test_a_repeated_completion_returns_the_first_result(engine: Engine) -> None:
    task_id = _enter_task(engine)
    first = engine.complete_task(task_id, {"amount": 5000}, request_id="c-1")
    again = engine.complete_task(task_id, {"amount": 5000}, request_id="c-1")  # a client retry
    assert again == first
    assert first["data"]["total"] == 10000
    assert _audit(engine, "task_completed") == 1
    with pytest.raises(Conflict, match="already done") as plain:
        engine.complete_task(task_id, {"amount": 5000})  # without an id it is a conflict
    assert not isinstance(plain.value, RequestIdReused)
    with pytest.raises(RequestIdReused, match="a complete with other data"):
        engine.complete_task(task_id, {"amount": 1}, request_id="c-1")
    with pytest.raises(RequestIdReused, match="already used for a complete, not for this start"):
        engine.start("simple", request_id="c-1")  # the id names a completion


def test_twins_racing_a_completion_complete_once_and_agree(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second twin waits for the instance lock, then finds the task done: first result."""
    engine = make_engine(pg_url)
    try:
        task_id = _enter_task(engine)
        both_looked = threading.Barrier(2, timeout=10)
        real_complete = instances.complete_task

        def complete_together(*args: Any, **kwargs: Any) -> Any:
            both_looked.wait()  # both have looked the request id up and found nothing
            return real_complete(*args, **kwargs)

        monkeypatch.setattr(instances, "complete_task", complete_together)
        results: list[dict[str, Any]] = []

        def twin() -> None:
            results.append(engine.complete_task(task_id, {"amount": 7}, request_id="twin-c"))

        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(twin,)) for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(results) == 2 and results[0] == results[1]
        assert _audit(engine, "task_completed") == 1
        assert _count(engine, RequestKey, RequestKey.key == "twin-c") == 1
    finally:
        engine.db.dispose()
