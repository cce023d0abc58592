"""Starting instances, completing tasks, the inbox rows and the audit trail."""

from __future__ import annotations

import pytest

from engine import Conflict, Engine, FormInvalid, NotAllowed, add_user

from ..conftest import bundle

SIMPLE = ("simple.bpmn", "enter.json", "approve.json")


@pytest.fixture
def org(engine: Engine) -> Engine:
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "ivan", groups=["sales"])
    add_user(engine, "boris", groups=["sales_managers"])
    add_user(engine, "bella", groups=["sales_managers"])
    engine.deploy(bundle(*SIMPLE))
    return engine


def test_start_creates_work_item_for_assignee(org: Engine) -> None:
    inst = org.start("simple", {"owner": "anna", "company": "Romashka"}, user="anna")
    assert inst["status"] == "running"
    [item] = org.tasks("anna")
    assert item["title"] == "Enter amount for Romashka"
    assert item["group"] == "sales"
    assert item["priority"] == 70
    assert item["due_at"] is not None
    assert org.tasks("ivan") == []


def test_complete_validates_form_and_advances(org: Engine) -> None:
    org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("anna")
    with pytest.raises(FormInvalid) as err:
        org.complete_task(item["id"], {"amount": -5}, user="anna")
    assert "amount" in err.value.errors
    with pytest.raises(FormInvalid) as err:
        org.complete_task(item["id"], {}, user="anna")
    assert err.value.errors == {"amount": ["this field is required"]}
    result = org.complete_task(item["id"], {"amount": 600}, user="anna")
    assert result["data"]["total"] == 1200
    approvals = org.tasks("boris", scope="group")
    assert [t["task"] for t in approvals] == ["approve"]
    assert approvals[0]["assignee"] in ("boris", "bella")


def test_round_robin_alternates(org: Engine) -> None:
    assignees = []
    for _ in range(4):
        org.start("simple", {"owner": "anna", "company": "X"})
        item = org.tasks("anna")[0]
        org.complete_task(item["id"], {"amount": 900}, user="anna")
    for t in org.tasks("boris", scope="group"):
        assignees.append(t["assignee"])
    assert sorted(assignees) == ["bella", "bella", "boris", "boris"]


def test_second_completion_is_a_conflict(org: Engine) -> None:
    org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("anna")
    org.complete_task(item["id"], {"amount": 1}, user="anna")
    with pytest.raises(Conflict, match="already done by anna"):
        org.complete_task(item["id"], {"amount": 1}, user="anna")


def test_only_assignee_may_complete(org: Engine) -> None:
    org.start("simple", {"owner": "anna", "company": "X"})
    [item] = org.tasks("anna")
    with pytest.raises(NotAllowed):
        org.complete_task(item["id"], {"amount": 1}, user="ivan")


def test_audit_trail_records_who_and_what(org: Engine) -> None:
    inst = org.start("simple", {"owner": "anna", "company": "X"}, user="anna")
    [item] = org.tasks("anna")
    org.complete_task(item["id"], {"amount": 10, "note": "hi"}, user="anna")
    detail = org.instance(inst["id"])
    assert detail["status"] == "completed"
    actions = [(h["action"], h["user"]) for h in detail["history"]]
    assert actions[0] == ("started", "anna")
    done = next(h for h in detail["history"] if h["action"] == "task_completed")
    assert done["task"] == "enter"
    assert done["after"] == {"amount": 10, "note": "hi"}
    assert detail["tasks"][0]["status"] == "done"
    assert detail["tasks"][0]["completed_by"] == "anna"
