"""sla.deadlines: SLA deadlines counted from the engine's clock on a group's calendar.

The processes' escalation timers wait for these instants, so a deadline that
skips the weekend here is an escalation that skips it there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine import Engine, ManualClock, add_group, set_calendar, using_clock

from .conftest import incident, result
from .operator_bpmn import call

FRIDAY_4PM_MOSCOW = datetime(2026, 3, 6, 13, 0, tzinfo=UTC)
OFFICE = {
    "timezone": "Europe/Moscow",
    "working_hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
}


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    manual = ManualClock(FRIDAY_4PM_MOSCOW)
    with using_clock(manual):
        yield manual


@pytest.fixture
def office(engine: Engine) -> Engine:
    """``support`` works Moscow office hours; ``night_shift`` has no calendar (24x7)."""
    set_calendar(engine, "office", OFFICE)
    add_group(engine, "support", calendar="office")
    add_group(engine, "night_shift")
    return engine


def test_deadlines_skip_the_weekend_on_the_groups_calendar(
    office: Engine, clock: ManualClock
) -> None:
    durations = {"warn": "PT4H", "breach": "P1D", "absent": None}

    found = result(call(office, "sla.deadlines", group="support", durations=durations))

    assert found == {
        "warn": "2026-03-09T08:00:00+00:00",  # Monday 11:00 in Moscow, not Friday 20:00
        "breach": "2026-03-09T13:00:00+00:00",  # Monday 16:00: one working day later
        "absent": None,
    }


def test_a_group_without_a_calendar_counts_elapsed_time(office: Engine, clock: ManualClock) -> None:
    found = result(call(office, "sla.deadlines", group="night_shift", durations={"sla": "PT4H"}))

    assert found == {"sla": "2026-03-06T17:00:00+00:00"}


def test_deadlines_count_from_the_engines_clock(office: Engine, clock: ManualClock) -> None:
    clock.advance(days=3)  # Monday 16:00 in Moscow

    found = result(call(office, "sla.deadlines", group="support", durations={"sla": "PT4H"}))

    assert found == {"sla": "2026-03-10T08:00:00+00:00"}  # two hours today, two on Tuesday


def test_an_explicit_start_wins_over_the_clock(office: Engine, clock: ManualClock) -> None:
    start = "2026-03-07T10:00:00+03:00"  # Saturday: counting starts at Monday's opening

    found = result(
        call(office, "sla.deadlines", group="support", durations={"sla": "PT2H"}, start=start)
    )

    assert found == {"sla": "2026-03-09T08:00:00+00:00"}


def test_an_unknown_group_is_an_incident(office: Engine, clock: ManualClock) -> None:
    outcome = call(office, "sla.deadlines", group="nobody", durations={"sla": "PT4H"})

    assert "field 'group': no group 'nobody'" in incident(office, outcome)


@pytest.mark.parametrize(
    ("durations", "message"),
    [
        ({"sla": "soon"}, "field 'durations.sla"),
        ({"sla": "P1M"}, "months and years are not allowed"),
        ("PT4H", "field 'durations': Not a valid mapping type."),
    ],
)
def test_a_bad_duration_is_an_incident_naming_it(
    office: Engine, clock: ManualClock, durations: object, message: str
) -> None:
    outcome = call(office, "sla.deadlines", group="support", durations=durations)

    assert message in incident(office, outcome)
