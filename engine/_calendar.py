"""Business calendars: count a user task's ``dueIn`` in its group's working time.

SLAs ("first contact within 4 working hours", "resolve within 2 working days") only
mean something on the calendar of the group owning the task. Pure logic: the engine
stores calendars as JSON (:meth:`BusinessCalendar.from_dict`) and builds these objects.

Semantics:

* Inputs are timezone-aware datetimes (naive ones are UTC); results are in UTC.
* Working hours are local wall-clock intervals ``[open, close)`` per weekday (0 = Mon)
  in the calendar's time zone; ``24:00`` (``time(0)`` as an end) is the midnight
  ending the day; intervals never cross midnight. DST does not move them: 09:00-18:00
  stays 09:00-18:00 local. Holidays are local dates without working time.
* Hours, minutes, seconds (``PT4H``, or any ``timedelta``) consume working time: with
  09-18 hours, ``PT4H`` from Friday 16:00 ends Monday 11:00. Outside working hours,
  counting starts at the next opening. Time that fills a day exactly ends at its close
  (Monday 18:00), not at the next opening.
* Days (``P2D``) count whole working days: same local time of day on the Nth working
  day after the start's day. A start not strictly inside working hours first moves
  back to the last close (the same point in working time), so ``P1D`` from Saturday,
  Monday 07:00 or Monday 09:00 sharp is due at Monday's close. If the time of day is
  not within the target day's hours (a short Friday), the deadline is that day's close.
* Weeks (``P1W``) are as many working days as the calendar has working weekdays (5 for
  Mon-Fri, 7 when always open): same time next week, pushed back by holidays.
* Mixed durations (``P1DT4H``) add the days first, then the working time.
* Refused: months and years (no fixed length in working time), fractional days or
  weeks, and anything over ten years (a data error; the work is per day spanned).
* A zero duration is due at ``start``. ``calendar=None`` is plain 24x7 elapsed time
  (``P1D`` = 24 hours), the same as :meth:`BusinessCalendar.always_open`.
* A calendar without working hours is refused when built, so no search loops forever;
  every computation walks day by day: O(days spanned), whatever the holidays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

Hours = tuple[tuple[time, time], ...]
_Span = tuple[timedelta, timedelta]  # wall-clock offsets from local midnight
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIELDS = frozenset({"name", "timezone", "working_hours", "holidays"})
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_MAX_SPAN = timedelta(days=3660)
_EXAMPLE = '{"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}'
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")
_NUM = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    rf"P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
)


class Duration(NamedTuple):
    """A parsed ``dueIn``: weeks and days count working days, ``time`` working time."""

    weeks: int
    days: int
    time: timedelta


@dataclass(frozen=True, kw_only=True)
class BusinessCalendar:
    """Working hours per weekday, holidays and a time zone: when a group works."""

    name: str
    timezone: str = "UTC"
    working_hours: Mapping[int, Hours]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Normalise and check once, so the arithmetic can trust every calendar."""
        _zone(self.timezone, self.name)
        checked = (_check_day(self.name, day, spans) for day, spans in self.working_hours.items())
        hours = {day: spans for day, spans in sorted(checked) if spans}
        if not hours:
            raise ValueError(f"calendar {self.name!r}: field 'working_hours' has no working hours")
        object.__setattr__(self, "working_hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def __hash__(self) -> int:
        """Hashable like any frozen value (the hours mapping itself is not)."""
        return hash((self.name, self.timezone, tuple(self.working_hours.items()), self.holidays))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the stored JSON form; every error names the bad field."""
        if not isinstance(data, Mapping):
            raise ValueError("calendar must be a JSON object")
        if unknown := sorted(set(data) - _FIELDS):
            raise ValueError(f"calendar: unknown field(s) {unknown}; expected {sorted(_FIELDS)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("calendar field 'name' must be a non-empty string")
        where = f"calendar {name!r}: field"
        timezone = data.get("timezone", "UTC")
        if not isinstance(timezone, str):
            raise ValueError(f"{where} 'timezone' must be an IANA name like Europe/Moscow")
        raw_hours = data.get("working_hours")
        if not isinstance(raw_hours, Mapping):
            raise ValueError(f"{where} 'working_hours' must be an object like {_EXAMPLE}")
        hours: dict[int, Hours] = {}
        for key, spans in raw_hours.items():
            if key not in _WEEKDAYS:
                raise ValueError(f"{where} 'working_hours.{key}' is not a weekday: use mon..sun")
            hours[_WEEKDAYS.index(key)] = _parse_spans(f"{where} 'working_hours.{key}'", spans)
        raw_holidays = data.get("holidays", [])
        if not isinstance(raw_holidays, list | tuple):
            raise ValueError(f"{where} 'holidays' must be a list of dates like \"2026-01-01\"")
        holidays = frozenset(
            _parse_date(f"{where} 'holidays[{i}]'", text) for i, text in enumerate(raw_holidays)
        )
        return cls(name=name, timezone=timezone, working_hours=hours, holidays=holidays)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form :meth:`from_dict` reads back."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "working_hours": {
                _WEEKDAYS[day]: [[_format(start), _format(end, end=True)] for start, end in spans]
                for day, spans in self.working_hours.items()
            },
            "holidays": sorted(day.isoformat() for day in self.holidays),
        }

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        """24x7 in UTC, for groups without a calendar."""
        whole_day = ((_MIDNIGHT, _MIDNIGHT),)
        return cls(name="always_open", working_hours=dict.fromkeys(range(7), whole_day))


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 ``dueIn``, refusing parts with no meaning for an SLA."""
    match = _DURATION.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not an ISO 8601 duration like PT4H or P2D")
    years, months, weeks, days, hours, minutes, seconds = match.groups()
    if years or months:
        raise ValueError(f"{text!r}: months and years are not allowed in SLAs; use days: P20D")
    if any(part and not part.isdigit() for part in (weeks, days)):
        raise ValueError(f"{text!r}: days and weeks must be whole; use hours like PT12H")
    total = 3600 * _number(hours) + 60 * _number(minutes) + _number(seconds)
    if 7 * int(weeks or 0) + int(days or 0) > _MAX_SPAN.days or total > _MAX_SPAN.total_seconds():
        raise ValueError(f"{text!r} is longer than ten years: not a meaningful SLA")
    return Duration(int(weeks or 0), int(days or 0), timedelta(seconds=total))


def business_deadline(
    start: datetime, duration: str | timedelta, calendar: BusinessCalendar | None = None
) -> datetime:
    """When work started at ``start`` is due, counted on ``calendar`` (see module doc)."""
    begin = _utc(start)
    if isinstance(duration, timedelta):
        if not timedelta(0) <= duration <= _MAX_SPAN:
            raise ValueError(f"duration {duration} must be between zero and ten years")
        parsed = Duration(0, 0, duration)
    else:
        parsed = parse_duration(duration)
    if calendar is None:
        return begin + timedelta(days=7 * parsed.weeks + parsed.days) + parsed.time
    days = parsed.weeks * len(calendar.working_hours) + parsed.days
    due = _add_days(begin, days, calendar) if days else begin
    return _add_time(due, parsed.time, calendar) if parsed.time else due


def is_working_time(moment: datetime, calendar: BusinessCalendar) -> bool:
    """Whether ``moment`` falls inside the calendar's working hours."""
    day, clock = _local(_utc(moment), calendar)
    return any(open_ <= clock < close for open_, close in _spans(calendar, day))


def working_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Working time from ``start`` to ``end`` for SLA reports (negative if ``end`` is earlier)."""
    begin, finish = _utc(start), _utc(end)
    if finish < begin:
        return -working_time_between(finish, begin, calendar)
    total = timedelta(0)
    day, last = _local(begin, calendar)[0], _local(finish, calendar)[0]
    while day <= last:
        for open_at, close_at in _instants(calendar, day):
            total += max(timedelta(0), min(close_at, finish) - max(open_at, begin))
        day += _DAY
    return total


def _add_time(begin: datetime, amount: timedelta, calendar: BusinessCalendar) -> datetime:
    """Consume ``amount`` of working time from ``begin``, one local day at a time."""
    day = _local(begin, calendar)[0]
    while True:
        for open_at, close_at in _instants(calendar, day):
            start = max(begin, open_at)
            if close_at <= start:
                continue
            if amount <= close_at - start:
                return start + amount
            amount -= close_at - start
        day += _DAY


def _add_days(begin: datetime, days: int, calendar: BusinessCalendar) -> datetime:
    """Same local time of day, ``days`` working days later, clamped to that day's close."""
    day, clock = _anchor(begin, calendar)
    while days:
        day += _DAY
        if _spans(calendar, day):
            days -= 1
    spans = _spans(calendar, day)
    if not any(open_ <= clock <= close for open_, close in spans):
        clock = spans[-1][1]
    return _at(calendar, day, clock)


def _anchor(begin: datetime, calendar: BusinessCalendar) -> tuple[date, timedelta]:
    """Where day counting starts: ``begin``, or the last close when not strictly at work."""
    day, clock = _local(begin, calendar)
    if any(open_ < clock < close for open_, close in _spans(calendar, day)):
        return day, clock
    while True:  # ends: the calendar has a working weekday and finitely many holidays
        closes = [close for _, close in _spans(calendar, day) if close <= clock]
        if closes:
            return day, closes[-1]
        day, clock = day - _DAY, _DAY


def _spans(calendar: BusinessCalendar, day: date) -> tuple[_Span, ...]:
    """The day's working intervals as wall-clock offsets; none on holidays."""
    if day in calendar.holidays:
        return ()
    hours = calendar.working_hours.get(day.weekday(), ())
    return tuple((_offset(start), _offset(end, end=True)) for start, end in hours)


def _instants(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The day's working intervals as UTC instants, so elapsed time is real time."""
    return [(_at(calendar, day, o), _at(calendar, day, c)) for o, c in _spans(calendar, day)]


def _at(calendar: BusinessCalendar, day: date, offset: timedelta) -> datetime:
    """UTC instant of a local wall-clock offset (aware arithmetic is wall time: DST-proof)."""
    return (datetime.combine(day, _MIDNIGHT, tzinfo=calendar.zone) + offset).astimezone(UTC)


def _local(moment: datetime, calendar: BusinessCalendar) -> tuple[date, timedelta]:
    """Local date and wall-clock offset of an instant."""
    local = moment.astimezone(calendar.zone)
    return local.date(), _offset(local.time())


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC by convention; everything else is converted."""
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def _offset(moment: time, *, end: bool = False) -> timedelta:
    """Offset from midnight; ``time(0)`` as an interval end means 24:00."""
    if end and moment == _MIDNIGHT:
        return _DAY
    return datetime.combine(date.min, moment.replace(tzinfo=None)) - datetime.min


def _number(text: str | None) -> float:
    """An ISO 8601 number, which may use a decimal comma."""
    return float((text or "0").replace(",", "."))


def _zone(key: str, calendar: str) -> ZoneInfo:
    """Resolve a time zone, turning zoneinfo's KeyError into a field error."""
    try:
        return ZoneInfo(key)
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"calendar {calendar!r}: field 'timezone' {key!r} is unknown") from exc


def _check_day(name: str, day: int, spans: Sequence[tuple[time, time]]) -> tuple[int, Hours]:
    """Sort a weekday's intervals and refuse unknown days, empty or overlapping intervals."""
    if not isinstance(day, int) or not 0 <= day <= 6:
        raise ValueError(f"calendar {name!r}: field 'working_hours' key {day!r} is not 0-6")
    where = f"calendar {name!r}: field 'working_hours.{_WEEKDAYS[day]}'"
    ordered = sorted((start, end) for start, end in spans)
    previous_end = timedelta(0)
    for start, end in ordered:
        text = f"{_format(start)}-{_format(end, end=True)}"
        if _offset(start) >= _offset(end, end=True):
            raise ValueError(f"{where}: {text} does not end after it starts")
        if _offset(start) < previous_end:
            raise ValueError(f"{where}: {text} overlaps the interval before it")
        previous_end = _offset(end, end=True)
    return day, tuple(ordered)


def _parse_spans(where: str, spans: Any) -> Hours:
    """Read ``[["09:00", "13:00"], ...]`` for one weekday."""
    if not isinstance(spans, list | tuple):
        raise ValueError(f'{where} must be a list of intervals like [["09:00", "13:00"]]')
    parsed = []
    for i, span in enumerate(spans):
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise ValueError(f'{where}[{i}] must be a pair like ["09:00", "13:00"]')
        start, end = (_parse_time(f"{where}[{i}]", text, end=j == 1) for j, text in enumerate(span))
        parsed.append((start, end))
    return tuple(parsed)


def _parse_time(where: str, text: Any, *, end: bool = False) -> time:
    """Read ``HH:MM`` (or ``HH:MM:SS``); ``24:00`` is allowed as an interval end."""
    if end and text in ("24:00", "24:00:00"):
        return _MIDNIGHT
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    try:
        if match:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        pass
    raise ValueError(f"{where}: {text!r} is not a time like 09:00")


def _parse_date(where: str, text: Any) -> date:
    """Read a ``YYYY-MM-DD`` holiday."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {text!r} is not a date like 2026-01-01") from None


def _format(moment: time, *, end: bool = False) -> str:
    """``HH:MM`` (seconds only when present); midnight as an end is ``24:00``."""
    if end and moment == _MIDNIGHT:
        return "24:00"
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
