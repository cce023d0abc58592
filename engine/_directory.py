"""Users, groups and calendars as the runtime reads them, cached for a few seconds.

Every new user task needs its group's members and calendar; reading them on
each step would cost queries on the hottest path. They change rarely, so a
short time-to-live cache is enough: an admin's change is seen within
``ttl`` seconds by every worker, at once by the process that made it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._calendar import BusinessCalendar
from ._errors import NotFound
from .models import CalendarRow, Group, Membership, User


@dataclass(frozen=True)
class GroupInfo:
    name: str
    members: tuple[str, ...]
    manager: str | None
    calendar: BusinessCalendar | None


@dataclass(frozen=True)
class UserInfo:
    username: str
    active: bool
    out_of_office: bool
    substitute: str | None
    manager: str | None
    groups: frozenset[str]


class Directory:
    """Cached look-ups of groups and users for assignment and permissions."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._groups: dict[str, tuple[float, GroupInfo | None]] = {}
        self._users: dict[str, tuple[float, UserInfo | None]] = {}
        self._lock = Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._groups.clear()
            self._users.clear()

    def group(self, session: Session, name: str) -> GroupInfo | None:
        hit = self._groups.get(name)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        info = _load_group(session, name)
        with self._lock:
            self._groups[name] = (time.monotonic() + self.ttl, info)
        return info

    def user(self, session: Session, username: str) -> UserInfo | None:
        hit = self._users.get(username)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        info = _load_user(session, username)
        with self._lock:
            self._users[username] = (time.monotonic() + self.ttl, info)
        return info


def _load_group(session: Session, name: str) -> GroupInfo | None:
    group = session.get(Group, name)
    if group is None:
        return None
    members = session.scalars(
        sa.select(Membership.username)
        .join(User, User.username == Membership.username)
        .where(Membership.group_name == name, User.active.is_(True))
        .order_by(Membership.username)
    ).all()
    return GroupInfo(name, tuple(members), group.manager, _calendar_of(session, group))


def group_calendar(session: Session, name: str) -> BusinessCalendar | None:
    """The business calendar group ``name`` works on; None for round the clock.

    What ``dueIn`` counts on, for handlers that count SLA deadlines the same way.
    Raises :class:`NotFound` for an unknown group.
    """
    group = session.get(Group, name)
    if group is None:
        raise NotFound(f"no group {name!r}")
    return _calendar_of(session, group)


def _calendar_of(session: Session, group: Group) -> BusinessCalendar | None:
    row = session.get(CalendarRow, group.calendar) if group.calendar else None
    if row is None:
        return None
    return BusinessCalendar.from_dict({"name": row.name, **row.definition})


def _load_user(session: Session, username: str) -> UserInfo | None:
    user = session.get(User, username)
    if user is None:
        return None
    groups = session.scalars(
        sa.select(Membership.group_name).where(Membership.username == username)
    ).all()
    return UserInfo(
        user.username,
        user.active,
        user.out_of_office,
        user.substitute,
        user.manager,
        frozenset(groups),
    )
