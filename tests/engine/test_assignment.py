"""Claiming, releasing, reassigning, delegating, substitutes, least-loaded and due dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import (
    Conflict,
    Engine,
    ManualClock,
    NotAllowed,
    add_group,
    add_user,
    set_calendar,
    set_out_of_office,
    using_clock,
)

from ..conftest import bundle

OFFICE = {
    "timezone": "Europe/Moscow",
    "working_hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [],
}


@pytest.fixture
def org(engine: Engine) -> Engine:
    set_calendar(engine, "office", OFFICE)
    add_group(engine, "sales", calendar="office", manager="boris")
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "ivan", groups=["sales"])
    add_user(engine, "boris", groups=["sales_managers"])
    add_user(engine, "bella", groups=["sales_managers"])
    engine.deploy(bundle("simple.bpmn", "enter.json", "approve.json"))
    return engine


def _unassigned(engine: Engine) -> str:
    engine.start("simple", {"owner": None, "company": "X"})
    [item] = engine.tasks("anna", scope="group")
    assert item["assignee"] is None
    return str(item["id"])


def test_claim_is_exclusive_and_release_reopens(org: Engine) -> None:
    task = _unassigned(org)
    assert org.claim(task, "anna")["assignee"] == "anna"
    with pytest.raises(Conflict, match="already claimed by anna"):
        org.claim(task, "ivan")
    with pytest.raises(NotAllowed):
        org.unclaim(task, "ivan")
    assert org.unclaim(task, "anna")["assignee"] is None
    assert org.claim(task, "ivan")["assignee"] == "ivan"


def test_outsider_cannot_claim(org: Engine) -> None:
    task = _unassigned(org)
    with pytest.raises(NotAllowed, match="not in group 'sales'"):
        org.claim(task, "bella")


def test_manager_reassigns_and_holder_delegates(org: Engine) -> None:
    task = _unassigned(org)
    org.claim(task, "anna")
    with pytest.raises(NotAllowed):
        org.assign(task, "ivan", "anna")
    assert org.assign(task, "ivan", "boris")["assignee"] == "ivan"
    assert org.delegate(task, "anna", "ivan")["assignee"] == "anna"
    history = org.instance(org.task(task)["instance_id"])["history"]
    assert [h["action"] for h in history][-3:] == ["claimed", "assigned", "delegated"]


def test_out_of_office_hands_new_tasks_to_substitute(org: Engine) -> None:
    set_out_of_office(org, "anna", True, "ivan")
    org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("ivan")
    assert item["assignee"] == "ivan"
    assert org.tasks("anna") == []


def test_due_date_counts_business_hours(org: Engine) -> None:
    # Friday 16:00 Moscow (13:00 UTC) + PT4H on 09-18 Mon-Fri = Monday 11:00 Moscow
    clock = ManualClock(datetime(2026, 11, 20, 13, 0, tzinfo=UTC))
    with using_clock(clock):
        org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("anna")
    assert item["due_at"] == "2026-11-23T08:00:00+00:00"
    with using_clock(ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))):
        assert [t["id"] for t in org.tasks("anna", overdue=True)] == [item["id"]]


def test_least_loaded_picks_member_with_fewest_open_tasks(engine: Engine) -> None:
    for name in ("anna", "boris", "bella"):
        add_user(engine, name, groups=["sales" if name == "anna" else "sales_managers"])
    files = bundle("simple.bpmn", "enter.json", "approve.json")
    files["simple.bpmn"] = files["simple.bpmn"].replace(
        'value="round_robin"', 'value="least_loaded"'
    )
    engine.deploy(files)
    for _ in range(4):
        engine.start("simple", {"owner": "anna", "company": "X"})
        engine.complete_task(engine.tasks("anna")[0]["id"], {"amount": 900}, user="anna")
    counts = [len(engine.tasks(u)) for u in ("bella", "boris")]
    assert counts == [2, 2]
    approval = engine.tasks("bella")[0]
    engine.complete_task(approval["id"], {"approved": True}, user="bella")
    engine.start("simple", {"owner": "anna", "company": "X"})
    engine.complete_task(engine.tasks("anna")[0]["id"], {"amount": 900}, user="anna")
    assert [len(engine.tasks(u)) for u in ("bella", "boris")] == [2, 2]
