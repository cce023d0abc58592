"""With the broker down the hooks still answer 202 and journal; once it is back, the
sweeper hands every journaled event to a real Celery worker, which processes each once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from crm.models import Interaction
from engine import Engine
from engine._celery import make_celery
from integrations import Integrations, celery_dispatcher, register_tasks
from integrations.models import EventStatus
from tests.conftest import NO_REDIS, REDIS_URL
from tests.web.hooks.conftest import make_app, post_call

from .conftest import SECRET, count, events, instances_of

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def celery_on_redis(engine: Engine, tmp_path: Path) -> Iterator[tuple[Celery, Integrations]]:
    """A Celery app on the real Redis, on a queue of its own, with a real worker running."""
    if not REDIS_URL:
        pytest.skip(NO_REDIS)
    service = Integrations(engine, hook_secret=SECRET, attachments_dir=tmp_path / "att")
    app = make_celery(lambda: engine, REDIS_URL)
    app.conf.task_default_queue = f"clientflow-test-{uuid.uuid4().hex[:8]}"
    register_tasks(app, lambda: service)
    service.dispatch = celery_dispatcher(app)
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        yield app, service


def test_hooks_journal_while_the_broker_is_down_and_the_sweeper_catches_up(
    engine: Engine, tmp_path: Path, celery_on_redis: tuple[Celery, Integrations]
) -> None:
    web = make_app(engine, tmp_path, BROKER_URL=DEAD_BROKER)
    client = web.test_client()
    for n in range(3):
        began = time.monotonic()
        response = post_call(client, event_id=f"e{n}", call_id=f"c{n}", type="missed",
                             **{"from": f"+7912345670{n}"})  # fmt: skip
        assert response.status_code == 202, response.json
        assert time.monotonic() - began < 5
    assert [e.status for e in events(engine)] == [EventStatus.RECEIVED] * 3

    _, service = celery_on_redis  # the broker is back
    assert service.sweep(older_than=0) == 3
    wait_until(lambda: all(e.status == EventStatus.PROCESSED for e in events(engine)))
    assert service.sweep(older_than=0) == 0
    for event_id in [e.id for e in events(engine)]:  # a stray redelivery changes nothing
        service.enqueue(event_id)
    time.sleep(1.0)
    assert [e.attempts for e in events(engine)] == [1, 1, 1], [e.error for e in events(engine)]
    assert instances_of(engine, "lead_qualification") == 3
    assert instances_of(engine, "integration_callback") == 3
    assert count(engine, Interaction) == 3


def wait_until(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not process every event in time")
