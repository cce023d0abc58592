"""Read-only listings of users, groups and calendars for the admin pages.

Writes go through the engine's identity functions (``add_user``,
``add_group``, ``set_calendar``) and :mod:`.membership`; this module only
reads their tables.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import Engine
from engine.models import CalendarRow, Group, Membership, User


def members(session: Session, *, by: Literal["user", "group"]) -> dict[str, list[str]]:
    """``group_member`` as a map, ``by="user"`` (user -> groups) or ``by="group"``
    (group -> users); the names in each list sorted."""
    key, value = {
        "user": (Membership.username, Membership.group_name),
        "group": (Membership.group_name, Membership.username),
    }[by]
    found: dict[str, list[str]] = {}
    for name, other in session.execute(sa.select(key, value).order_by(key, value)):
        found.setdefault(name, []).append(other)
    return found


def users(engine: Engine) -> list[dict[str, Any]]:
    with engine.session() as session:
        groups_of = members(session, by="user")
        return [
            {
                "username": u.username,
                "full_name": u.full_name,
                "email": u.email,
                "language": u.language,
                "active": u.active,
                "manager": u.manager,
                "out_of_office": u.out_of_office,
                "substitute": u.substitute,
                "groups": groups_of.get(u.username, []),
            }
            for u in session.scalars(sa.select(User).order_by(User.username))
        ]


def groups(engine: Engine) -> list[dict[str, Any]]:
    with engine.session() as session:
        members_of = members(session, by="group")
        return [
            {
                "name": g.name,
                "title": g.title,
                "calendar": g.calendar,
                "manager": g.manager,
                "members": members_of.get(g.name, []),
            }
            for g in session.scalars(sa.select(Group).order_by(Group.name))
        ]


def calendars(engine: Engine) -> list[dict[str, Any]]:
    with engine.session() as session:
        return [
            {"name": c.name, "definition": c.definition}
            for c in session.scalars(sa.select(CalendarRow).order_by(CalendarRow.name))
        ]


def user_names(engine: Engine) -> list[str]:
    with engine.session() as session:
        return list(session.scalars(sa.select(User.username).order_by(User.username)))
