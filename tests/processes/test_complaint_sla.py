"""complaint_resolution: the first-response, resolution and silence timers.

The SLA timers escalate (non-interrupting, a task for support_leads) and then
hand the work to a lead (interrupting). They count working time on the support
group's business calendar, as the tasks' due dates do: a complaint that comes
on Friday evening escalates on Monday morning. Auto-close after the customer's
silence is a period the customer sees, so it stays calendar time. The clock is
moved, never waited for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.models import CaseStatus
from engine import Engine, ManualClock

from ._complaints import case_of, reply, resolve, respond, start
from ._support import actions, complete, done_tasks, open_tasks, task
from .conftest import office_hours

MSK = timedelta(hours=3)


def moscow(day: int, hour: int, minute: int = 0) -> datetime:
    """March ``day``, 2026 at ``hour:minute`` Moscow time (2 is a Monday, 6 a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - MSK


def aware(moment: datetime) -> datetime:
    """SQLite gives the CRM's UTC times back without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fired_at(engine: Engine, clock: ManualClock, moment: datetime) -> int:
    clock.current = moment
    return engine.fire_due_timers()


def test_first_response_sla_escalates_then_reassigns(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # A x critical: 1 h, reassign after 2 h
    assert complaints.fire_due_timers() == 0
    clock.advance(minutes=61)
    assert complaints.fire_due_timers() == 1
    chase = task(complaints, iid, "chase_response")
    assert chase["group"] == "support_leads" and chase["priority"] == 100
    assert task(complaints, iid, "respond")["status"] == "open"  # non-interrupting

    clock.advance(minutes=60)
    assert complaints.fire_due_timers() == 1
    names = sorted(t["task"] for t in open_tasks(complaints, iid))
    assert names == ["chase_response", "respond_lead"]
    assert ("respond", "cancelled", None) in done_tasks(complaints, iid)
    respond(complaints, iid, name="respond_lead", user="dina")

    case = case_of(complaints, iid)
    assert case.owner == "dina" and case.first_responded_at is not None
    assert task(complaints, iid, "resolve")["assignee"] == "dina"
    complete(complaints, iid, "chase_response", {"action": "reassigned"}, "dina")
    assert ("timer_fired", "respond_warn") in actions(complaints, iid)
    assert ("timer_fired", "respond_breach") in actions(complaints, iid)


def test_resolution_sla_escalates_then_a_lead_takes_over(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]
    respond(complaints, iid)
    clock.advance(hours=8, minutes=1)
    assert complaints.fire_due_timers() == 1
    assert task(complaints, iid, "chase_resolution")["group"] == "support_leads"
    clock.advance(hours=8)
    assert complaints.fire_due_timers() == 1
    assert ("resolve", "cancelled", None) in done_tasks(complaints, iid)
    resolve(complaints, iid, name="take_over")
    complete(complaints, iid, "chase_resolution", {"action": "accepted_delay"}, "dina")

    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    reply(complaints, case_of(complaints, iid).number, "works, 4 stars")
    assert case_of(complaints, iid).satisfaction == 4
    assert complaints.instance(iid)["status"] == "completed"


def test_an_escalation_left_open_is_cancelled_when_the_case_closes(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]
    clock.advance(minutes=61)
    complaints.fire_due_timers()
    respond(complaints, iid)
    resolve(complaints, iid)
    reply(complaints, case_of(complaints, iid).number, "ok 5/5")

    assert complaints.instance(iid)["status"] == "completed"
    assert ("chase_response", "cancelled", None) in done_tasks(complaints, iid)
    assert open_tasks(complaints, iid) == []


def test_silence_closes_the_case_and_a_late_reply_is_not_matched(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    number = case_of(complaints, iid).number
    clock.advance(days=6)
    assert complaints.fire_due_timers() == 0
    clock.advance(days=1, minutes=1)
    assert complaints.fire_due_timers() == 1

    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, None)
    assert complaints.instance(iid)["status"] == "completed"
    assert ("timer_fired", "silence") in actions(complaints, iid)
    late = reply(complaints, number, "still not solved")
    assert late == {"outcome": "unmatched", "instance": None}
    assert case_of(complaints, iid).status == CaseStatus.CLOSED


def test_the_case_keeps_the_deadlines_its_timers_wait_for(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # support works 24x7 here

    case = case_of(complaints, iid)
    assert aware(case.first_response_due) == clock.current + timedelta(hours=1)
    assert aware(case.resolution_due) == clock.current + timedelta(hours=8)
    sla = complaints.instance(iid)["data"]["response_sla"]
    assert datetime.fromisoformat(sla["warn"]) == aware(case.first_response_due)
    assert datetime.fromisoformat(sla["breach"]) == clock.current + timedelta(hours=2)


def test_the_first_response_sla_counts_working_hours_over_the_weekend(
    complaints: Engine, clock: ManualClock
) -> None:
    office_hours(complaints, "support", "support_leads")
    clock.current = moscow(6, 17, 30)  # Friday, half an hour before closing
    iid = start(complaints, severity="critical")["id"]  # 1 h, reassigned after 2 h

    case = case_of(complaints, iid)
    assert aware(case.first_response_due) == moscow(9, 9, 30)  # Monday, not Friday 18:30
    assert aware(case.resolution_due) == moscow(9, 16, 30)
    assert task(complaints, iid, "respond")["due_at"] == moscow(9, 12, 30).isoformat()
    assert fired_at(complaints, clock, moscow(6, 18, 31)) == 0  # calendar time would fire
    assert fired_at(complaints, clock, moscow(8, 23, 59)) == 0  # Sunday night
    assert fired_at(complaints, clock, moscow(9, 9, 29)) == 0
    assert fired_at(complaints, clock, moscow(9, 9, 30)) == 1

    chase = task(complaints, iid, "chase_response")
    assert (chase["group"], chase["due_at"]) == ("support_leads", moscow(9, 10, 30).isoformat())
    assert task(complaints, iid, "respond")["status"] == "open"
    assert fired_at(complaints, clock, moscow(9, 10, 29)) == 0
    assert fired_at(complaints, clock, moscow(9, 10, 30)) == 1
    assert task(complaints, iid, "respond_lead")["group"] == "support_leads"
    assert [a for a in actions(complaints, iid) if a[0] == "timer_fired"] == [
        ("timer_fired", "respond_warn"),
        ("timer_fired", "respond_breach"),
    ]


def test_the_resolution_sla_counts_working_hours_from_the_response(
    complaints: Engine, clock: ManualClock
) -> None:
    office_hours(complaints, "support", "support_leads")
    clock.current = moscow(6, 16, 30)  # Friday afternoon
    iid = start(complaints, severity="critical")["id"]  # resolution: 8 h, reassigned after 16 h
    respond(complaints, iid)

    assert complaints.instance(iid)["data"]["resolution_clock"] == {
        "warn": moscow(9, 15, 30).isoformat(),  # 1.5 h on Friday, 6.5 h on Monday
        "breach": moscow(10, 14, 30).isoformat(),  # then 9 h on Monday, 5.5 h on Tuesday
    }
    assert fired_at(complaints, clock, moscow(7, 0, 31)) == 0  # calendar time: Saturday 00:30
    assert fired_at(complaints, clock, moscow(9, 15, 29)) == 0
    assert fired_at(complaints, clock, moscow(9, 15, 31)) == 1
    assert task(complaints, iid, "chase_resolution")["group"] == "support_leads"
    assert fired_at(complaints, clock, moscow(10, 14, 29)) == 0
    assert fired_at(complaints, clock, moscow(10, 14, 31)) == 1
    assert ("resolve", "cancelled", None) in done_tasks(complaints, iid)
    assert task(complaints, iid, "take_over")["status"] == "open"


def test_silence_before_auto_close_stays_calendar_time(
    complaints: Engine, clock: ManualClock
) -> None:
    office_hours(complaints, "support", "support_leads")
    clock.current = moscow(6, 17, 0)  # Friday
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)  # the proposal goes out; auto_close_after is P7D

    assert fired_at(complaints, clock, moscow(13, 16, 59)) == 0
    assert fired_at(complaints, clock, moscow(13, 17, 1)) == 1  # a week later, not 7 working days
    assert case_of(complaints, iid).status == CaseStatus.CLOSED
