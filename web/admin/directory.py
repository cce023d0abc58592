"""Read-only listings of users, groups and calendars for the admin pages.

Writes go through the engine's identity functions (``add_user``,
``add_group``, ``set_calendar``); this module only reads their tables.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine import Engine
from engine.models import CalendarRow, Group, Membership, User


def users(engine: Engine) -> list[dict[str, Any]]:
    with engine.session() as session:
        members: dict[str, list[str]] = {}
        for group, username in session.execute(
            sa.select(Membership.group_name, Membership.username).order_by(Membership.group_name)
        ):
            members.setdefault(username, []).append(group)
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
                "groups": members.get(u.username, []),
            }
            for u in session.scalars(sa.select(User).order_by(User.username))
        ]


def groups(engine: Engine) -> list[dict[str, Any]]:
    with engine.session() as session:
        members: dict[str, list[str]] = {}
        for group, username in session.execute(
            sa.select(Membership.group_name, Membership.username).order_by(Membership.username)
        ):
            members.setdefault(group, []).append(username)
        return [
            {
                "name": g.name,
                "title": g.title,
                "calendar": g.calendar,
                "manager": g.manager,
                "members": members.get(g.name, []),
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
