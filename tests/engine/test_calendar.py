"""Business-calendar arithmetic for ``dueIn`` SLAs (engine/_calendar.py).

January 2026: Thu 1 is a holiday in some calendars; Mon 5 - Fri 9 and Mon 12 -
Fri 16 are ordinary weeks. DST: Europe/Berlin springs forward on Sun 2026-03-29,
America/New_York falls back on Sun 2026-11-01.
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine._calendar import (
    BusinessCalendar,
    Duration,
    business_deadline,
    is_working_time,
    parse_duration,
    working_time_between,
)

NINE_TO_SIX = ((time(9), time(18)),)
WITH_LUNCH = ((time(9), time(13)), (time(14), time(18)))

OFFICE = BusinessCalendar(name="office", working_hours=dict.fromkeys(range(5), NINE_TO_SIX))
LUNCH = BusinessCalendar(name="lunch", working_hours=dict.fromkeys(range(5), WITH_LUNCH))

MOSCOW_JSON: dict[str, Any] = {
    "name": "moscow_office",
    "timezone": "Europe/Moscow",
    "working_hours": {
        day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "holidays": ["2026-01-01", "2026-01-02", "2026-01-07"],
}


def at(text: str, calendar: BusinessCalendar = OFFICE) -> datetime:
    """A local wall-clock moment in the calendar's zone, e.g. ``at("2026-01-09 16:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(calendar.timezone))


def office(**changes: Any) -> BusinessCalendar:
    """The 09-18 Mon-Fri office with some fields changed."""
    fields: dict[str, Any] = {"name": "office", "working_hours": OFFICE.working_hours, **changes}
    return BusinessCalendar(**fields)


# --- parse_duration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT4H", Duration(0, 0, timedelta(hours=4))),
        ("P2D", Duration(0, 2, timedelta(0))),
        ("PT30M", Duration(0, 0, timedelta(minutes=30))),
        ("P1DT4H", Duration(0, 1, timedelta(hours=4))),
        ("P1W", Duration(1, 0, timedelta(0))),
        ("PT1H30M15S", Duration(0, 0, timedelta(hours=1, minutes=30, seconds=15))),
        ("PT1.5H", Duration(0, 0, timedelta(minutes=90))),
        ("PT0,5H", Duration(0, 0, timedelta(minutes=30))),
        (" pt4h ", Duration(0, 0, timedelta(hours=4))),
    ],
)
def test_parse_duration_accepts_sla_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "4H", "PT4X", "-PT4H", "P1H", "PT4H30"])
def test_parse_duration_rejects_what_is_not_iso_8601(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 duration like PT4H or P2D"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2M3D", "P0M"])
def test_parse_duration_rejects_months_and_years(text: str) -> None:
    with pytest.raises(ValueError, match="months and years are not allowed"):
        parse_duration(text)


def test_parse_duration_rejects_fractional_days_and_absurd_lengths() -> None:
    with pytest.raises(ValueError, match="must be whole"):
        parse_duration("P1.5D")
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration("P99999999999D")
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration("PT99999999999999999999H")


# --- working time: hours, minutes, seconds -------------------------------------------------


def test_pt4h_from_friday_afternoon_ends_monday_morning() -> None:
    due = business_deadline(at("2026-01-09 16:00"), "PT4H", OFFICE)
    assert due == at("2026-01-12 11:00")
    assert due.tzinfo is UTC


def test_result_is_utc_and_hours_are_local_to_the_calendar() -> None:
    moscow = BusinessCalendar.from_dict(MOSCOW_JSON)
    due = business_deadline(datetime(2026, 1, 9, 13, 0, tzinfo=UTC), "PT4H", moscow)  # 16:00 MSK
    assert due == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)  # Monday 11:00 MSK
    assert due.tzinfo is UTC


def test_naive_start_is_taken_as_utc() -> None:
    assert business_deadline(datetime(2026, 1, 9, 16), "PT4H", OFFICE) == at("2026-01-12 11:00")


def test_lunch_break_is_not_working_time() -> None:
    assert business_deadline(at("2026-01-05 12:00"), "PT2H", LUNCH) == at("2026-01-05 15:00")
    assert business_deadline(at("2026-01-05 12:00"), "PT30M", LUNCH) == at("2026-01-05 12:30")


def test_work_that_fills_the_day_exactly_is_due_at_close_not_next_opening() -> None:
    assert business_deadline(at("2026-01-05 14:00"), "PT4H", OFFICE) == at("2026-01-05 18:00")
    assert business_deadline(at("2026-01-05 09:00"), "PT8H", LUNCH) == at("2026-01-05 18:00")


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2026-01-05 07:00", "PT30M", "2026-01-05 09:30"),  # before opening
        ("2026-01-05 20:00", "PT1H", "2026-01-06 10:00"),  # after close
        ("2026-01-05 13:30", "PT1H", "2026-01-05 15:00"),  # during lunch
        ("2026-01-10 10:00", "PT1H", "2026-01-12 10:00"),  # Saturday
        ("2026-01-09 17:00", "PT2H", "2026-01-12 10:00"),  # weekend roll-over
        ("2026-01-09 17:30", "PT8H30M", "2026-01-12 18:00"),  # weekend roll-over, lunch
    ],
)
def test_work_outside_hours_starts_at_next_opening(start: str, duration: str, due: str) -> None:
    assert business_deadline(at(start), duration, LUNCH) == at(due)


def test_holidays_are_skipped() -> None:
    calendar = office(holidays=frozenset({date(2026, 1, 9)}))  # Friday off
    assert business_deadline(at("2026-01-08 16:00"), "PT4H", calendar) == at("2026-01-12 11:00")
    moscow = BusinessCalendar.from_dict(MOSCOW_JSON)  # Jan 1, 2 and 7 off
    start = at("2025-12-31 17:00", moscow)
    assert business_deadline(start, "PT2H", moscow) == at("2026-01-05 10:00", moscow)


def test_timedelta_is_working_time() -> None:
    due = business_deadline(at("2026-01-09 16:00"), timedelta(hours=4), OFFICE)
    assert due == at("2026-01-12 11:00")
    with pytest.raises(ValueError, match="between zero and ten years"):
        business_deadline(at("2026-01-09 16:00"), timedelta(hours=-1), OFFICE)


def test_zero_duration_is_due_at_start() -> None:
    saturday = at("2026-01-10 10:00")
    assert business_deadline(saturday, "PT0S", OFFICE) == saturday
    assert business_deadline(saturday, "P0D", OFFICE) == saturday


# --- whole working days and weeks -----------------------------------------------------------


def test_p2d_across_a_weekend_keeps_the_time_of_day() -> None:
    assert business_deadline(at("2026-01-08 10:30"), "P2D", LUNCH) == at("2026-01-12 10:30")


def test_p2d_across_a_weekend_and_a_holiday() -> None:
    calendar = office(holidays=frozenset({date(2026, 1, 12)}))  # Monday off
    assert business_deadline(at("2026-01-08 10:30"), "P2D", calendar) == at("2026-01-13 10:30")
    moscow = BusinessCalendar.from_dict(MOSCOW_JSON)
    start = at("2026-01-06 11:00", moscow)  # Tue; Wed 7th is a holiday
    assert business_deadline(start, "P2D", moscow) == at("2026-01-09 11:00", moscow)


@pytest.mark.parametrize(
    "start",
    ["2026-01-09 20:00", "2026-01-10 10:00", "2026-01-12 07:00", "2026-01-12 09:00"],
)
def test_p1d_outside_hours_is_due_at_close_of_the_next_working_day(start: str) -> None:
    assert business_deadline(at(start), "P1D", OFFICE) == at("2026-01-12 18:00")


def test_p1d_from_lunch_counts_from_the_break() -> None:
    assert business_deadline(at("2026-01-05 13:30"), "P1D", LUNCH) == at("2026-01-06 13:00")


def test_days_clamp_to_close_of_a_shorter_day() -> None:
    hours = {**dict.fromkeys(range(4), NINE_TO_SIX), 4: ((time(9), time(15)),)}
    calendar = BusinessCalendar(name="short_friday", working_hours=hours)
    assert business_deadline(at("2026-01-08 16:00"), "P1D", calendar) == at("2026-01-09 15:00")
    assert business_deadline(at("2026-01-08 10:00"), "P1D", calendar) == at("2026-01-09 10:00")


def test_mixed_duration_adds_days_then_working_time() -> None:
    assert business_deadline(at("2026-01-05 10:00"), "P1DT4H", LUNCH) == at("2026-01-06 15:00")


def test_a_week_is_the_calendars_working_days() -> None:
    assert business_deadline(at("2026-01-05 10:00"), "P1W", OFFICE) == at("2026-01-12 10:00")
    calendar = office(holidays=frozenset({date(2026, 1, 8)}))
    assert business_deadline(at("2026-01-05 10:00"), "P1W", calendar) == at("2026-01-13 10:00")
    always = BusinessCalendar.always_open()
    assert business_deadline(at("2026-01-05 10:00"), "P1W", always) == at("2026-01-12 10:00")


def test_p30d_is_six_weeks_and_fast_even_with_many_holidays() -> None:
    holidays = frozenset(date(2030, 1, 1) + timedelta(days=n) for n in range(3000))
    started = clock.perf_counter()
    due = business_deadline(at("2026-01-05 10:00"), "P30D", office(holidays=holidays))
    assert due == at("2026-02-16 10:00")
    assert clock.perf_counter() - started < 0.5


# --- no calendar / always open ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "elapsed"),
    [("PT4H", timedelta(hours=4)), ("P2D", timedelta(days=2)), ("P1W", timedelta(days=7))],
)
def test_no_calendar_is_plain_elapsed_time(duration: str, elapsed: timedelta) -> None:
    saturday = datetime(2026, 1, 10, 22, 15, tzinfo=UTC)
    assert business_deadline(saturday, duration) == saturday + elapsed
    assert business_deadline(saturday, duration, BusinessCalendar.always_open()) == (
        saturday + elapsed
    )


# --- DST ----------------------------------------------------------------------------------------


def test_dst_does_not_shift_berlin_working_hours() -> None:
    berlin = office(timezone="Europe/Berlin")
    friday = at("2026-03-27 16:00", berlin)  # CET, 15:00 UTC
    assert business_deadline(friday, "PT4H", berlin) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert business_deadline(friday, "P1D", berlin) == datetime(2026, 3, 30, 14, tzinfo=UTC)
    assert is_working_time(datetime(2026, 3, 30, 7, 30, tzinfo=UTC), berlin)  # 09:30 CEST
    assert not is_working_time(datetime(2026, 3, 30, 16, 30, tzinfo=UTC), berlin)  # 18:30 CEST


def test_dst_does_not_shift_new_york_working_hours() -> None:
    new_york = office(timezone="America/New_York")
    friday = at("2026-10-30 17:00", new_york)  # EDT, 21:00 UTC
    assert business_deadline(friday, "PT2H", new_york) == datetime(2026, 11, 2, 15, tzinfo=UTC)
    monday = at("2026-11-02 09:00", new_york)
    assert working_time_between(friday, monday, new_york) == timedelta(hours=1)


def test_a_24_hour_calendar_counts_the_real_hours_of_a_dst_day() -> None:
    berlin_24x7 = BusinessCalendar(
        name="berlin_24x7", timezone="Europe/Berlin", working_hours={6: ((time(0), time(0)),)}
    )
    sunday, monday = at("2026-03-29 00:00", berlin_24x7), at("2026-03-30 00:00", berlin_24x7)
    assert working_time_between(sunday, monday, berlin_24x7) == timedelta(hours=23)
    assert business_deadline(sunday, "PT23H", berlin_24x7) == monday


# --- is_working_time and working_time_between ---------------------------------------------


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        ("2026-01-05 09:00", True),
        ("2026-01-05 12:59", True),
        ("2026-01-05 13:00", False),
        ("2026-01-05 13:30", False),
        ("2026-01-05 17:59", True),
        ("2026-01-05 18:00", False),
        ("2026-01-10 10:00", False),
        ("2026-01-01 10:00", False),
    ],
)
def test_is_working_time(moment: str, working: bool) -> None:
    calendar = BusinessCalendar(
        name="lunch", working_hours=LUNCH.working_hours, holidays=frozenset({date(2026, 1, 1)})
    )
    assert is_working_time(at(moment), calendar) is working


def test_working_time_between() -> None:
    assert working_time_between(at("2026-01-05 00:00"), at("2026-01-12 00:00"), LUNCH) == (
        timedelta(hours=40)
    )
    assert working_time_between(at("2026-01-09 16:00"), at("2026-01-12 11:00"), LUNCH) == (
        timedelta(hours=4)
    )
    assert working_time_between(at("2026-01-12 11:00"), at("2026-01-09 16:00"), LUNCH) == (
        timedelta(hours=-4)
    )
    assert working_time_between(at("2026-01-10 08:00"), at("2026-01-11 20:00"), LUNCH) == (
        timedelta(0)
    )
    calendar = office(holidays=frozenset({date(2026, 1, 7)}))
    assert working_time_between(at("2026-01-05 00:00"), at("2026-01-10 00:00"), calendar) == (
        timedelta(hours=36)
    )


@pytest.mark.parametrize("start", ["2026-01-05 08:00", "2026-01-07 12:34", "2026-01-10 11:00"])
@pytest.mark.parametrize("hours", [0.5, 4, 8, 13, 100])
def test_working_time_between_inverts_business_deadline(start: str, hours: float) -> None:
    amount = timedelta(hours=hours)
    due = business_deadline(at(start), amount, LUNCH)
    assert working_time_between(at(start), due, LUNCH) == amount


# --- calendars from JSON ----------------------------------------------------------------------


def test_from_dict_and_to_dict_round_trip() -> None:
    moscow = BusinessCalendar.from_dict(MOSCOW_JSON)
    assert moscow.timezone == "Europe/Moscow"
    assert moscow.working_hours[0] == WITH_LUNCH
    assert 5 not in moscow.working_hours
    assert date(2026, 1, 7) in moscow.holidays
    assert moscow.to_dict() == MOSCOW_JSON
    assert BusinessCalendar.from_dict(moscow.to_dict()) == moscow


def test_from_dict_defaults_and_24_00() -> None:
    calendar = BusinessCalendar.from_dict(
        {"name": "n", "working_hours": {"sun": [["20:00", "24:00"]]}}
    )
    assert calendar.timezone == "UTC"
    assert calendar.holidays == frozenset()
    assert calendar.working_hours == {6: ((time(20), time(0)),)}
    assert calendar.to_dict()["working_hours"] == {"sun": [["20:00", "24:00"]]}
    assert BusinessCalendar.always_open().to_dict()["working_hours"]["mon"] == [["00:00", "24:00"]]


def _with(**changes: Any) -> dict[str, Any]:
    return {**MOSCOW_JSON, **changes}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        (_with(holiday=["2026-01-01"]), r"unknown field\(s\) \['holiday'\]"),
        (_with(name=""), "field 'name'"),
        ({"working_hours": {"mon": [["09:00", "18:00"]]}}, "field 'name'"),
        (_with(timezone="Mars/Base"), "field 'timezone' 'Mars/Base'"),
        (_with(timezone=3), "field 'timezone'"),
        (_with(working_hours=[["09:00", "18:00"]]), "field 'working_hours' must be an object"),
        (_with(working_hours={"funday": []}), "field 'working_hours.funday' is not a weekday"),
        (_with(working_hours={"mon": "09:00-18:00"}), r"field 'working_hours.mon' must be a list"),
        (_with(working_hours={"mon": [["09:00"]]}), r"'working_hours.mon'\[0\] must be a pair"),
        (_with(working_hours={"mon": [["25:00", "26:00"]]}), r"working_hours.mon'\[0\]: '25:00'"),
        (_with(working_hours={"mon": [["9am", "6pm"]]}), r"'9am' is not a time like 09:00"),
        (_with(working_hours={"mon": [["24:00", "24:00"]]}), r"'24:00' is not a time"),
        (_with(working_hours={"mon": [["18:00", "09:00"]]}), "18:00-09:00 does not end after"),
        (_with(working_hours={"mon": [["09:00", "09:00"]]}), "09:00-09:00 does not end after"),
        (
            _with(working_hours={"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}),
            "'working_hours.tue': 12:00-18:00 overlaps",
        ),
        (_with(working_hours={}), "field 'working_hours' has no working hours"),
        (_with(working_hours={"mon": [], "sat": []}), "has no working hours"),
        (_with(holidays="2026-01-01"), "field 'holidays' must be a list"),
        (_with(holidays=["2026-01-01", "2026-13-01"]), r"field 'holidays\[1\]': '2026-13-01'"),
        (_with(holidays=[20260101]), r"field 'holidays\[0\]'"),
    ],
)
def test_from_dict_names_the_bad_field(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_dict(data)


def test_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="has no working hours"):
        BusinessCalendar(name="closed", working_hours={})
    with pytest.raises(ValueError, match="key 7 is not 0-6"):
        BusinessCalendar(name="bad", working_hours={7: NINE_TO_SIX})
    with pytest.raises(ValueError, match="field 'timezone'"):
        BusinessCalendar(name="bad", timezone="Nowhere", working_hours={0: NINE_TO_SIX})


def test_calendar_is_immutable_and_hashable() -> None:
    with pytest.raises(AttributeError):
        OFFICE.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        OFFICE.working_hours[5] = NINE_TO_SIX  # type: ignore[index]
    twin = BusinessCalendar.from_dict(OFFICE.to_dict())
    assert twin == OFFICE
    assert len({twin, OFFICE, LUNCH}) == 2
