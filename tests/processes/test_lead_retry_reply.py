"""lead_qualification: the lead writes back between two contact attempts.

After an unanswered attempt an event-based gateway waits for the day before the
next attempt or for a ``lead_reply`` (by ``lead_id``), whichever comes first: a
reply is put on the lead's timeline and the next attempt goes to the owner at
once, with the reply in it; the timer is then gone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from clientflow_cli.demo_seed.sales import EMPLOYEES, set_up_team
from crm.models import Interaction
from engine import Engine, ManualClock

from ._support import actions, complete, open_tasks, rows, task
from .conftest import deploy_process

KEY = "lead_qualification"
LEAD = {"channel": "web", "first_name": "Ivan", "company_name": "Vega LLC", "territory": "msk"}
NO_ANSWER = {"contact_outcome": "no_answer", "channel_used": "call"}


@pytest.fixture
def engine(crm_engine: Engine) -> Iterator[Engine]:
    set_up_team(crm_engine, EMPLOYEES)
    deploy_process(crm_engine, KEY)
    yield crm_engine


def test_a_reply_between_attempts_brings_the_next_attempt_forward(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = engine.start(KEY, LEAD, user="olga")
    iid, lead_id = outcome["id"], outcome["data"]["lead_id"]
    owner = task(engine, iid, "first_contact")["assignee"]
    complete(engine, iid, "first_contact", NO_ANSWER, owner)
    assert open_tasks(engine, iid) == []  # waiting a day before the next attempt

    payload = {"reply_text": "Missed your call, try now", "reply_from": "ivan@vega.example"}
    sent = engine.send_message("lead_reply", {"lead_id": lead_id}, payload)

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    retry = task(engine, iid, "retry_contact")  # now, not after the day
    assert (retry["title"], retry["assignee"]) == ("Try again to reach Vega LLC", owner)
    assert engine.task(retry["id"])["data"]["reply_text"] == "Missed your call, try now"
    query = sa.select(Interaction).where(Interaction.lead_id == lead_id)
    [note] = rows(engine, query)
    assert (note.direction, note.body, note.sender, note.instance_id) == (
        "in",
        "Missed your call, try now",
        "ivan@vega.example",
        iid,
    )
    trail = actions(engine, iid)
    assert ("message", None) in trail
    clock.advance(days=1, minutes=1)
    assert engine.fire_due_timers() == 0  # the day's timer went with the reply
    assert [t["task"] for t in open_tasks(engine, iid)] == ["retry_contact"]
    complete(engine, iid, "retry_contact", NO_ANSWER, owner)
    assert engine.instance(iid)["data"]["attempts"] == 2
    clock.advance(days=1, minutes=1)  # a new wait: the timer runs again
    assert engine.fire_due_timers() == 1
    assert task(engine, iid, "retry_contact")["assignee"] == owner
    assert ("timer_fired", "gw_retry_wait") in actions(engine, iid)  # the gateway waits


def test_without_a_reply_the_next_attempt_waits_for_the_day(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = engine.start(KEY, LEAD, user="olga")
    iid = outcome["id"]
    owner = task(engine, iid, "first_contact")["assignee"]
    complete(engine, iid, "first_contact", NO_ANSWER, owner)

    clock.advance(hours=23)
    assert engine.fire_due_timers() == 0
    clock.advance(hours=1, minutes=1)
    assert engine.fire_due_timers() == 1

    retry = task(engine, iid, "retry_contact")
    assert engine.task(retry["id"])["data"].get("reply_text") is None
    late = engine.send_message("lead_reply", {"lead_id": outcome["data"]["lead_id"]}, {})
    assert late["outcome"] == "delivered"  # retry_contact's own event hears it
    assert task(engine, iid, "review_lead_reply")["assignee"] == owner
