"""Taking a user out of a group, the counterpart of ``add_user``'s ``groups``.

The directory cache is cleared afterwards so the next assignment sees the
change; tasks already assigned to the user stay theirs. The admins group
never loses its last active member (nobody could manage users after that): the
check and the delete share one transaction with the group row locked, so two
admins removing each other at the same moment cannot both win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._errors import Conflict, NotFound
from ._tasks import ADMIN_GROUP
from .models import Group, Membership, User

if TYPE_CHECKING:
    from ._engine import Engine


class NotAMember(NotFound):
    """The user is not in the group (or one of them does not exist)."""

    def __init__(self, group: str, username: str) -> None:
        super().__init__(f"{username} is not a member of {group}")
        self.group = group
        self.username = username


class LastAdmin(Conflict):
    """Removing the user would leave the admins group without an active member."""

    def __init__(self, group: str, username: str) -> None:
        super().__init__(f"{username} is the last active member of {group}")
        self.group = group
        self.username = username


def check_membership_removal(engine: Engine, group: str, username: str) -> None:
    """Raise what :func:`remove_membership` would refuse, without changing anything."""
    with engine.db.session() as session:
        _check(session, group, username)


def remove_membership(engine: Engine, group: str, username: str) -> None:
    """Take ``username`` out of ``group``; tasks already assigned to them stay theirs.

    Raises:
        NotAMember: no such membership.
        LastAdmin: ``username`` is the admins group's last active member.
    """
    with engine.db.session() as session:
        if group == ADMIN_GROUP:  # serialise removals from admins (a no-op lock on SQLite)
            session.execute(sa.select(Group.name).where(Group.name == group).with_for_update())
        _check(session, group, username)
        session.execute(
            sa.delete(Membership).where(
                Membership.group_name == group, Membership.username == username
            )
        )
    engine.rt.directory.invalidate()


def _check(session: Session, group: str, username: str) -> None:
    member = sa.select(Membership.username).where(
        Membership.group_name == group, Membership.username == username
    )
    if session.scalar(member) is None:
        raise NotAMember(group, username)
    if group != ADMIN_GROUP:
        return
    others = (
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(User, User.username == Membership.username)
        .where(
            Membership.group_name == group,
            Membership.username != username,
            User.active.is_(True),
        )
    )
    if not session.scalar(others):
        raise LastAdmin(group, username)
